// SPDX-License-Identifier: GPL-2.0-only
// Placeholder until the scenario loader lands: only the machine and the layouts.
#include "workloads/scenario_yaml.h"

#include "workloads/machine_yaml.h"
#include "workloads/yaml_loader.h"

namespace pagesim {

Scenario scenario_from_config(const ConfigNode& root) {
    MapReader top(root, "scenario");
    Scenario sc;
    sc.name = top.required("name").as_string();
    sc.machine = load_machine(top.required("machine").as_string());
    top.finish();
    return sc;
}

Scenario load_scenario(const std::string& path) {
    Scenario sc = scenario_from_config(load_yaml_file(path));
    sc.source = path;
    return sc;
}

ConfigNode scenario_to_config(const Scenario& scenario) {
    ConfigNode n = ConfigNode::map();
    (void)scenario;
    return n;
}

} // namespace pagesim
