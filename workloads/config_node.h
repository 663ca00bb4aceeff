// SPDX-License-Identifier: GPL-2.0-only
// A YAML-free configuration tree (maps, sequences, scalars) whose nodes remember where
// they came from (file, 1-based line and column), typed accessors that fail with
// "file:line:col: error: message", MapReader for strict key checking (unknown keys are
// rejected with the closest known key suggested), and to_yaml() to echo a tree back.
//
// Typical use (machine_yaml.cpp):
//     ConfigNode root = load_yaml_file(path);               // yaml_loader.h
//     MapReader top(root, "machine");
//     std::string name = top.required("name").as_string();
//     std::uint64_t size = top.required("size").as_size();   // "512M", "0x4000_0000"
//     if (const ConfigNode* n = top.optional("cpus")) ncpus = n->as_uint();
//     top.finish();                                         // unknown keys -> ConfigError
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim {

/// Where a node was written: 1-based line and column (0 = unknown, e.g. built in code).
struct Mark {
    std::string file;
    int line = 0;
    int col = 0;
    /// "file:line:col" (or less when parts are unknown).
    std::string str() const;
};

/// A user error in a configuration file. what() is "file:line:col: error: message".
class ConfigError : public std::runtime_error {
public:
    ConfigError(Mark mark, const std::string& message);
    const Mark& mark() const { return mark_; }
    /// The message without the location prefix.
    const std::string& message() const { return message_; }

private:
    Mark mark_;
    std::string message_;
};

class ConfigNode {
public:
    enum class Kind { Null, Scalar, Sequence, Map };
    struct Entry;

    ConfigNode() = default;
    /// A null node (a key with no value).
    static ConfigNode null(Mark mark);
    /// A scalar; `quoted` records that the text was quoted in the file (never a number).
    static ConfigNode scalar(std::string text, Mark mark = {}, bool quoted = false);
    static ConfigNode sequence(Mark mark = {});
    static ConfigNode map(Mark mark = {});

    Kind kind() const { return kind_; }
    bool is_null() const { return kind_ == Kind::Null; }
    bool is_scalar() const { return kind_ == Kind::Scalar; }
    bool is_sequence() const { return kind_ == Kind::Sequence; }
    bool is_map() const { return kind_ == Kind::Map; }
    const Mark& mark() const { return mark_; }
    bool quoted() const { return quoted_; }

    /// Throws ConfigError at this node's mark.
    [[noreturn]] void fail(const std::string& message) const;

    // Scalars. Each accessor throws ConfigError (with this node's mark) on a wrong kind or
    // a value that does not parse.
    const std::string& text() const; ///< raw scalar text (any scalar)
    std::string as_string() const;   ///< a scalar
    bool as_bool() const;            ///< true/false/yes/no/on/off
    std::int64_t as_int() const;     ///< decimal or 0x hex, '_' separators
    std::uint64_t as_uint() const;   ///< as_int() >= 0
    double as_double() const;
    std::uint64_t as_size() const;    ///< units.h parse_size: "512M", "16GiB", "0x4000_0000"
    double as_bandwidth() const;      ///< units.h parse_bandwidth: "12.8GB/s"
    std::int64_t as_duration() const; ///< units.h parse_duration, nanoseconds
    /// Index of the scalar in `choices`; the error lists them.
    std::size_t as_choice(std::initializer_list<std::string_view> choices) const;

    // Sequences.
    const std::vector<ConfigNode>& items() const; ///< throws unless a sequence
    void push_back(ConfigNode item);

    // Maps (insertion-ordered).
    const std::vector<Entry>& entries() const; ///< throws unless a map
    /// Adds or replaces `key`.
    void set(const std::string& key, ConfigNode value, Mark key_mark = {});
    const ConfigNode* find(std::string_view key) const; ///< nullptr if absent or not a map

private:
    Kind kind_ = Kind::Null;
    Mark mark_;
    bool quoted_ = false;
    std::string text_;
    std::vector<ConfigNode> items_;
    std::vector<Entry> entries_;
    std::string kind_name() const;
};

struct ConfigNode::Entry {
    std::string key;
    Mark key_mark;
    ConfigNode value;
};

/// Reads one map strictly: every key it is asked about is "known"; finish() rejects the
/// others ("unknown key 'sise' in reservation (did you mean 'size'?)").
class MapReader {
public:
    /// `what` names the map in messages ("machine", "reservation").
    MapReader(const ConfigNode& map, std::string what);
    /// Same, declaring every key the map may have up front and rejecting unknown ones at
    /// once (so a typo is reported before a "missing required key" it causes).
    MapReader(const ConfigNode& map, std::string what,
              std::initializer_list<std::string_view> known);
    /// The value of `key`; ConfigError at the map if it is missing.
    const ConfigNode& required(std::string_view key);
    /// The value of `key`, or nullptr (a null value counts as absent).
    const ConfigNode* optional(std::string_view key);
    /// Declares `key` known without reading it.
    void allow(std::string_view key);
    /// Throws ConfigError at the first unknown key.
    void finish() const;
    const ConfigNode& node() const { return map_; }

private:
    const ConfigNode& map_;
    std::string what_;
    std::vector<std::string> known_;
};

/// Levenshtein distance (for "did you mean").
std::size_t edit_distance(std::string_view a, std::string_view b);
/// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

/// Block-style YAML for `node` (maps and sequences indented by two spaces, short scalar
/// sequences in flow style, scalars quoted only where YAML needs it or they were quoted).
std::string to_yaml(const ConfigNode& node);

} // namespace pagesim
