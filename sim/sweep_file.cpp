// SPDX-License-Identifier: GPL-2.0-only
// load_sweep(): read the sweep file strictly, load each scenario once, expand the matrix,
// apply exclude then include rules, and prove every point loadable before any job exists:
// each --set value alone on each scenario it meets (so the error points at that value),
// then each combination of values a point uses.
#include "sim/sweep_file.h"

#include "workloads/scenario_yaml.h"
#include "workloads/yaml_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <tuple>

namespace pagesim {

namespace {

namespace fs = std::filesystem;

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

std::string sanitize(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (!id_char(c)) c = '_';
    return out.empty() ? std::string("_") : out;
}

// A value or a list of values, each a scalar.
std::vector<const ConfigNode*> scalars_of(const ConfigNode& n) {
    std::vector<const ConfigNode*> out;
    if (n.is_sequence()) {
        for (const ConfigNode& i : n.items()) out.push_back(&i);
        if (out.empty()) n.fail("an empty list of values");
    } else {
        out.push_back(&n);
    }
    for (const ConfigNode* v : out)
        if (!v->is_scalar()) v->fail("expected a single value or a list of single values");
    return out;
}

SweepValue value_of(const ConfigNode& n, const std::string& axis) {
    if (axis == "seed") return {std::to_string(n.as_uint()), n.mark()};
    return {n.text(), n.mark()};
}

std::string list(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) {
        if (!s.empty()) s += ", ";
        s += x;
    }
    return s;
}

// A rule of `exclude:` / `include:`: for some axes, the values a point must have.
struct Rule {
    Mark mark;
    std::vector<std::pair<std::size_t, std::vector<SweepValue>>> conds;
    bool matches(const std::vector<std::string>& values) const {
        for (const auto& [axis, vals] : conds) {
            bool any = false;
            for (const SweepValue& v : vals) any = any || v.text == values[axis];
            if (!any) return false;
        }
        return true;
    }
};

class Expander {
public:
    explicit Expander(Sweep& sw) : sw_(sw), dir_(fs::path(sw.file).parent_path().string()) {}

    // Loads a scenario axis value (a file relative to the sweep file, or a bundled name).
    void add_scenario(const SweepValue& v) {
        if (sw_.scenarios.count(v.text)) return;
        const fs::path rel = dir_.empty() ? fs::path(v.text) : fs::path(dir_) / v.text;
        std::string arg;
        if (fs::is_regular_file(rel)) {
            arg = rel.string();
        } else {
            const std::vector<std::string> names = bundled_scenarios();
            if (v.text.find('/') != std::string::npos ||
                std::find(names.begin(), names.end(), v.text) == names.end()) {
                std::string msg = "no scenario file '" + rel.string() +
                                  "' and no bundled scenario '" + v.text + "'";
                const std::string best = closest_match(v.text, names);
                if (!best.empty()) msg += " (did you mean '" + best + "'?)";
                msg += "; bundled scenarios: " + list(names);
                throw ConfigError(v.mark, msg);
            }
            arg = v.text;
        }
        const Scenario sc = load_scenario(arg);
        SweepScenario s;
        s.path = fs::absolute(sc.source).lexically_normal().string();
        s.name = sc.name;
        for (const NamedLayout& l : sc.layouts) s.layouts.push_back(l.name);
        sw_.scenarios[v.text] = s;
    }

    bool defines(const std::string& scenario, const std::string& layout) const {
        const SweepScenario& s = sw_.scenarios.at(scenario);
        if (s.layouts.empty()) return layout == "default";
        return std::find(s.layouts.begin(), s.layouts.end(), layout) != s.layouts.end();
    }

    void check_layout(const SweepValue& v) const {
        for (const auto& [name, s] : sw_.scenarios)
            if (defines(name, v.text)) return;
        std::vector<std::string> known;
        for (const auto& [name, s] : sw_.scenarios)
            for (const std::string& l :
                 s.layouts.empty() ? std::vector<std::string>{"default"} : s.layouts)
                if (std::find(known.begin(), known.end(), l) == known.end()) known.push_back(l);
        std::string msg = "no scenario of the sweep defines the layout '" + v.text + "'";
        const std::string best = closest_match(v.text, known);
        if (!best.empty()) msg += " (did you mean '" + best + "'?)";
        msg += "; layouts: " + list(known);
        throw ConfigError(v.mark, msg);
    }

    // Every point of the product of `choices` (one value list per axis) whose scenario
    // defines its layout.
    void product(const std::vector<std::vector<SweepValue>>& choices,
                 std::vector<std::vector<std::string>>& out) const {
        std::vector<std::string> cur(choices.size());
        walk(choices, 0, cur, out);
    }

private:
    Sweep& sw_;
    std::string dir_;

    void walk(const std::vector<std::vector<SweepValue>>& choices, std::size_t i,
              std::vector<std::string>& cur, std::vector<std::vector<std::string>>& out) const {
        if (i == choices.size()) {
            out.push_back(cur);
            return;
        }
        for (const SweepValue& v : choices[i]) {
            if (i == 1 && !defines(cur[0], v.text)) continue;
            cur[i] = v.text;
            walk(choices, i + 1, cur, out);
        }
    }
};

Rule read_rule(const ConfigNode& n, const Sweep& sw, const char* what) {
    if (!n.is_map() || n.entries().empty())
        n.fail(std::string("an ") + what +
               " rule is a map from axis names to a value or a list of values");
    Rule r;
    r.mark = n.mark();
    std::vector<std::string> names;
    for (const SweepAxis& a : sw.axes)
        if (a.declared || a.name == "layout") names.push_back(a.name);
    for (const ConfigNode::Entry& e : n.entries()) {
        const std::size_t a = sw.axis(e.key);
        if (a == sw.axes.size() || (!sw.axes[a].declared && e.key != "layout")) {
            std::string msg = "'" + e.key + "' is not an axis of this sweep";
            const std::string best = closest_match(e.key, names);
            if (!best.empty()) msg += " (did you mean '" + best + "'?)";
            msg += "; axes: " + list(names);
            throw ConfigError(e.key_mark, msg);
        }
        std::vector<SweepValue> vals;
        for (const ConfigNode* v : scalars_of(e.value)) vals.push_back(value_of(*v, e.key));
        r.conds.emplace_back(a, vals);
    }
    return r;
}

// Loads `scenario` with `set`; a failure becomes a ConfigError at `at` saying what was set.
void try_load(const Sweep& sw, const std::string& scenario, const ParamOverrides& set,
              const Mark& at) {
    try {
        (void)load_scenario(sw.scenarios.at(scenario).path, set);
    } catch (const std::exception& e) {
        std::string what;
        for (const auto& [k, v] : set) {
            if (!what.empty()) what += ' ';
            what += k + "=" + v;
        }
        std::string why = e.what();
        // An error in the value itself, or in a path with no line to show: no second location.
        if (const auto* ce = dynamic_cast<const ConfigError*>(&e);
            ce && (ce->mark().file.rfind("--set ", 0) == 0 ||
                   (ce->mark().line == 0 && ce->message().rfind("--set ", 0) == 0)))
            why = ce->message();
        throw ConfigError(at, "set " + what + " on scenario '" + scenario + "': " + why);
    }
}

} // namespace

std::size_t Sweep::axis(const std::string& n) const {
    for (std::size_t i = 0; i < axes.size(); ++i)
        if (axes[i].name == n) return i;
    return axes.size();
}

std::vector<std::pair<std::string, std::string>> Sweep::overrides(const SweepPoint& p) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (std::size_t i = first_set; i < axes.size(); ++i)
        out.emplace_back(axes[i].name, p.values[i]);
    return out;
}

std::uint32_t fnv1a32(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 16777619u;
    }
    return h;
}

std::string point_id(const Sweep& sw, const SweepPoint& p) {
    std::string id;
    if (sw.axes[0].declared) {
        id += sanitize(fs::path(p.values[0]).stem().string());
        id += '-';
    }
    id += sanitize(p.values[1]);
    if (sw.has_seed) {
        id += "-s";
        id += p.values[2];
    }
    if (sw.first_set < sw.axes.size()) {
        // Sorted, so reordering the `set:` keys in the file keeps every id.
        std::vector<std::string> lines;
        for (const auto& [k, v] : sw.overrides(p)) lines.push_back(k + "=" + v);
        std::sort(lines.begin(), lines.end());
        std::string all;
        for (const std::string& l : lines) {
            all += l;
            all += '\n';
        }
        id += fmt::format("-{:08x}", fnv1a32(all));
    }
    return id;
}

Sweep sweep_from_config(const ConfigNode& root) {
    Sweep sw;
    sw.file = root.mark().file;
    MapReader top(root, "sweep", {"name", "description", "scenario", "axes", "exclude", "include"});
    const ConfigNode& name = top.required("name");
    sw.name = name.as_string();
    if (sw.name.empty() || sanitize(sw.name) != sw.name)
        name.fail("a sweep name is letters, digits, '.', '_' and '-'");
    if (const ConfigNode* d = top.optional("description")) sw.description = d->as_string();
    const ConfigNode* axes_node = top.optional("axes");
    const ConfigNode empty_axes = ConfigNode::map(root.mark());
    MapReader axes(axes_node ? *axes_node : empty_axes, "axes",
                   {"scenario", "layout", "seed", "seeds", "set"});

    Expander ex(sw);
    // Scenario: the top-level key (one scenario) or the axis (a workloads axis).
    SweepAxis scen{"scenario", true, {}};
    const ConfigNode* top_scen = top.optional("scenario");
    const ConfigNode* axis_scen = axes.optional("scenario");
    if (top_scen && axis_scen)
        axis_scen->fail(
            "give the scenario either as 'scenario' or as the axis 'axes.scenario', not both");
    if (!top_scen && !axis_scen)
        root.fail("a sweep needs 'scenario' (or the axis 'axes.scenario')");
    if (top_scen) {
        scen.declared = false;
        scen.values.push_back({top_scen->as_string(), top_scen->mark()});
    } else {
        for (const ConfigNode* v : scalars_of(*axis_scen))
            scen.values.push_back(value_of(*v, "scenario"));
    }
    for (const SweepValue& v : scen.values) ex.add_scenario(v);
    sw.axes.push_back(scen);

    // Layouts: the listed ones, or every layout of every scenario.
    SweepAxis lay{"layout", true, {}};
    if (const ConfigNode* l = axes.optional("layout")) {
        for (const ConfigNode* v : scalars_of(*l)) {
            lay.values.push_back(value_of(*v, "layout"));
            ex.check_layout(lay.values.back());
        }
    } else {
        for (const SweepValue& s : scen.values) {
            const SweepScenario& sc = sw.scenarios.at(s.text);
            const std::vector<std::string> names =
                sc.layouts.empty() ? std::vector<std::string>{"default"} : sc.layouts;
            for (const std::string& n : names) {
                bool seen = false;
                for (const SweepValue& x : lay.values) seen = seen || x.text == n;
                if (!seen) lay.values.push_back({n, s.mark});
            }
        }
    }
    sw.axes.push_back(lay);

    // Seeds: a list, or 1..N.
    const ConfigNode* seed = axes.optional("seed");
    const ConfigNode* seeds = axes.optional("seeds");
    if (seed && seeds) seeds->fail("give either 'seed: [list]' or 'seeds: N', not both");
    if (seed || seeds) {
        SweepAxis s{"seed", true, {}};
        if (seed) {
            for (const ConfigNode* v : scalars_of(*seed)) s.values.push_back(value_of(*v, "seed"));
        } else {
            const std::uint64_t n = seeds->as_uint();
            if (n == 0 || n > 100000) seeds->fail("'seeds: N' needs 1 <= N <= 100000 (seeds 1..N)");
            for (std::uint64_t i = 1; i <= n; ++i)
                s.values.push_back({std::to_string(i), seeds->mark()});
        }
        sw.axes.push_back(s);
        sw.has_seed = true;
    }
    sw.first_set = sw.axes.size();

    // --set axes, by path, in the file's order.
    if (const ConfigNode* set = axes.optional("set")) {
        if (!set->is_map()) set->fail("'set' maps --set paths to a value or a list of values");
        for (const ConfigNode::Entry& e : set->entries()) {
            if (e.key == "scenario" || e.key == "layout" || e.key == "seed")
                throw ConfigError(e.key_mark,
                                  "'" + e.key + "' is an axis of its own, not a --set path");
            SweepAxis a{e.key, true, {}};
            for (const ConfigNode* v : scalars_of(e.value)) a.values.push_back(value_of(*v, e.key));
            sw.axes.push_back(a);
        }
    }
    axes.finish();
    for (const SweepAxis& a : sw.axes)
        for (std::size_t i = 0; i < a.values.size(); ++i)
            for (std::size_t k = 0; k < i; ++k)
                if (a.values[k].text == a.values[i].text)
                    throw ConfigError(a.values[i].mark, "duplicate value '" + a.values[i].text +
                                                            "' of the axis '" + a.name + "'");

    // The matrix, less what exclude rules match, plus what include rules add.
    std::vector<std::vector<SweepValue>> choices;
    for (const SweepAxis& a : sw.axes) choices.push_back(a.values);
    std::vector<std::vector<std::string>> points;
    std::map<std::pair<std::size_t, std::string>, Mark> extra_marks; // values only rules give
    ex.product(choices, points);
    if (const ConfigNode* n = top.optional("exclude")) {
        if (!n->is_sequence()) n->fail("'exclude' is a list of rules");
        for (const ConfigNode& item : n->items()) {
            const Rule r = read_rule(item, sw, "exclude");
            for (const auto& [axis, vals] : r.conds)
                for (const SweepValue& v : vals) {
                    bool known = false;
                    for (const SweepValue& x : sw.axes[axis].values)
                        known = known || x.text == v.text;
                    if (!known)
                        throw ConfigError(v.mark, "'" + v.text + "' is not a value of the axis '" +
                                                      sw.axes[axis].name + "'");
                }
            std::erase_if(points, [&](const auto& p) { return r.matches(p); });
        }
    }
    if (const ConfigNode* n = top.optional("include")) {
        if (!n->is_sequence()) n->fail("'include' is a list of rules");
        std::set<std::vector<std::string>> have(points.begin(), points.end());
        for (const ConfigNode& item : n->items()) {
            const Rule r = read_rule(item, sw, "include");
            std::vector<std::vector<SweepValue>> c = choices;
            for (const auto& [axis, vals] : r.conds) {
                c[axis] = vals;
                for (const SweepValue& v : vals) {
                    extra_marks.emplace(std::make_pair(axis, v.text), v.mark);
                    if (axis == 0) ex.add_scenario(v);
                    if (axis == 1) ex.check_layout(v);
                }
            }
            std::vector<std::vector<std::string>> add;
            ex.product(c, add);
            if (add.empty())
                throw ConfigError(
                    r.mark, "this include rule adds no point (no scenario defines its layouts)");
            for (auto& p : add)
                if (have.insert(p).second) points.push_back(std::move(p));
        }
    }
    top.finish();
    if (points.empty()) root.fail("the sweep has no points (exclude removed them all)");

    // Every value where it is used: alone first (the error names its line), then the
    // combinations the points use.
    auto mark_of = [&](std::size_t axis, const std::string& text) {
        for (const SweepValue& v : sw.axes[axis].values)
            if (v.text == text) return v.mark;
        if (const auto it = extra_marks.find({axis, text}); it != extra_marks.end())
            return it->second;
        return sw.axes[axis].values.empty() ? root.mark() : sw.axes[axis].values.front().mark;
    };
    std::set<std::tuple<std::string, std::size_t, std::string>> singles;
    std::set<std::vector<std::string>> combos;
    for (const auto& p : points) {
        if (sw.first_set == sw.axes.size()) break;
        for (std::size_t a = sw.first_set; a < sw.axes.size(); ++a)
            if (singles.emplace(p[0], a, p[a]).second)
                try_load(sw, p[0], {{sw.axes[a].name, p[a]}}, mark_of(a, p[a]));
        std::vector<std::string> combo{p[0]};
        combo.insert(combo.end(), p.begin() + static_cast<std::ptrdiff_t>(sw.first_set), p.end());
        combos.insert(combo);
    }
    if (sw.axes.size() - sw.first_set > 1) {
        for (const auto& c : combos) {
            ParamOverrides set;
            for (std::size_t a = sw.first_set; a < sw.axes.size(); ++a)
                set.emplace_back(sw.axes[a].name, c[1 + a - sw.first_set]);
            try_load(sw, c[0], set, mark_of(sw.first_set, c[1]));
        }
    }

    std::map<std::string, std::size_t> ids;
    for (auto& values : points) {
        SweepPoint p;
        p.values = std::move(values);
        p.id = point_id(sw, p);
        if (const auto [it, fresh] = ids.emplace(p.id, sw.points.size()); !fresh)
            root.fail("two points get the id '" + p.id + "' (scenario files with the same name?)");
        sw.points.push_back(std::move(p));
    }
    return sw;
}

Sweep load_sweep(const std::string& path) {
    return sweep_from_config(load_yaml_file(path));
}

} // namespace pagesim
