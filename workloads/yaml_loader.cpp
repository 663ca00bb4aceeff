// SPDX-License-Identifier: GPL-2.0-only
// yaml-cpp -> ConfigNode conversion with 1-based marks.
#include "workloads/yaml_loader.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace pagesim {
namespace {

Mark to_mark(const YAML::Mark& m, const std::string& file) {
    if (m.is_null()) return {file, 0, 0};
    return {file, m.line + 1, m.column + 1};
}

ConfigNode convert(const YAML::Node& n, const std::string& file) {
    const Mark mark = to_mark(n.Mark(), file);
    switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
        return ConfigNode::null(mark);
    case YAML::NodeType::Scalar:
        // yaml-cpp tags quoted scalars "!", plain ones "?".
        return ConfigNode::scalar(n.Scalar(), mark, n.Tag() == "!");
    case YAML::NodeType::Sequence: {
        ConfigNode seq = ConfigNode::sequence(mark);
        for (const YAML::Node& item : n) seq.push_back(convert(item, file));
        return seq;
    }
    case YAML::NodeType::Map: {
        ConfigNode map = ConfigNode::map(mark);
        for (const auto& kv : n) {
            const Mark key_mark = to_mark(kv.first.Mark(), file);
            if (!kv.first.IsScalar()) throw ConfigError(key_mark, "map keys must be plain words");
            const std::string key = kv.first.Scalar();
            if (map.find(key)) throw ConfigError(key_mark, "duplicate key '" + key + "'");
            map.set(key, convert(kv.second, file), key_mark);
        }
        return map;
    }
    }
    return ConfigNode::null(mark);
}

} // namespace

ConfigNode parse_yaml(std::string_view text, const std::string& name) {
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        return convert(root, name);
    } catch (const YAML::Exception& e) {
        throw ConfigError(to_mark(e.mark, name), e.msg);
    }
}

ConfigNode load_yaml_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError({path, 0, 0}, "cannot read the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_yaml(ss.str(), path);
}

} // namespace pagesim
