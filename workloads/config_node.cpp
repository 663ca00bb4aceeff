// SPDX-License-Identifier: GPL-2.0-only
// The configuration tree, its typed accessors, strict map reading and the YAML emitter.
#include "workloads/config_node.h"

#include "workloads/units.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace pagesim {

std::string Mark::str() const {
    std::string s = file.empty() ? "<input>" : file;
    if (line > 0) s += ":" + std::to_string(line);
    if (line > 0 && col > 0) s += ":" + std::to_string(col);
    return s;
}

ConfigError::ConfigError(Mark mark, const std::string& message)
    : std::runtime_error(mark.str() + ": error: " + message), mark_(std::move(mark)),
      message_(message) {}

ConfigNode ConfigNode::null(Mark mark) {
    ConfigNode n;
    n.mark_ = std::move(mark);
    return n;
}

ConfigNode ConfigNode::scalar(std::string text, Mark mark, bool quoted) {
    ConfigNode n;
    n.kind_ = Kind::Scalar;
    n.text_ = std::move(text);
    n.mark_ = std::move(mark);
    n.quoted_ = quoted;
    return n;
}

ConfigNode ConfigNode::sequence(Mark mark) {
    ConfigNode n;
    n.kind_ = Kind::Sequence;
    n.mark_ = std::move(mark);
    return n;
}

ConfigNode ConfigNode::map(Mark mark) {
    ConfigNode n;
    n.kind_ = Kind::Map;
    n.mark_ = std::move(mark);
    return n;
}

void ConfigNode::fail(const std::string& message) const {
    throw ConfigError(mark_, message);
}

std::string ConfigNode::kind_name() const {
    switch (kind_) {
    case Kind::Null:
        return "nothing";
    case Kind::Scalar:
        return "'" + text_ + "'";
    case Kind::Sequence:
        return "a list";
    case Kind::Map:
        return "a map";
    }
    return "?";
}

const std::string& ConfigNode::text() const {
    if (kind_ != Kind::Scalar) fail("expected a value, got " + kind_name());
    return text_;
}

std::string ConfigNode::as_string() const {
    return text();
}

bool ConfigNode::as_bool() const {
    std::string t = text();
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!quoted_) {
        if (t == "true" || t == "yes" || t == "on") return true;
        if (t == "false" || t == "no" || t == "off") return false;
    }
    fail("expected true or false, got " + kind_name());
}

std::int64_t ConfigNode::as_int() const {
    std::string t;
    for (char c : text())
        if (c != '_') t += c;
    if (quoted_ || t.empty()) fail("expected an integer, got " + kind_name());
    bool neg = false;
    std::size_t i = 0;
    if (t[0] == '-' || t[0] == '+') {
        neg = t[0] == '-';
        i = 1;
    }
    int base = 10;
    if (t.size() > i + 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data() + i, t.data() + t.size(), v, base);
    if (ec != std::errc{} || p != t.data() + t.size() ||
        v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        fail("expected an integer, got " + kind_name());
    return neg ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
}

std::uint64_t ConfigNode::as_uint() const {
    const std::int64_t v = as_int();
    if (v < 0) fail("expected a non-negative integer, got " + kind_name());
    return static_cast<std::uint64_t>(v);
}

double ConfigNode::as_double() const {
    const std::string& t = text();
    double v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (quoted_ || ec != std::errc{} || p != t.data() + t.size())
        fail("expected a number, got " + kind_name());
    return v;
}

std::uint64_t ConfigNode::as_size() const {
    std::string err;
    auto v = parse_size(text(), &err);
    if (!v) fail(err);
    return *v;
}

double ConfigNode::as_bandwidth() const {
    std::string err;
    auto v = parse_bandwidth(text(), &err);
    if (!v) fail(err);
    return *v;
}

std::int64_t ConfigNode::as_duration() const {
    std::string err;
    auto v = parse_duration(text(), &err);
    if (!v) fail(err);
    return *v;
}

std::size_t ConfigNode::as_choice(std::initializer_list<std::string_view> choices) const {
    const std::string& t = text();
    std::size_t i = 0;
    std::string list;
    for (std::string_view c : choices) {
        if (c == t) return i;
        list += (i ? ", " : "") + std::string(c);
        ++i;
    }
    std::vector<std::string> cands(choices.begin(), choices.end());
    const std::string best = closest_match(t, cands);
    fail("expected one of " + list + ", got " + kind_name() +
         (best.empty() ? "" : " (did you mean '" + best + "'?)"));
}

const std::vector<ConfigNode>& ConfigNode::items() const {
    if (kind_ != Kind::Sequence) fail("expected a list, got " + kind_name());
    return items_;
}

void ConfigNode::push_back(ConfigNode item) {
    if (kind_ == Kind::Null) kind_ = Kind::Sequence;
    items_.push_back(std::move(item));
}

const std::vector<ConfigNode::Entry>& ConfigNode::entries() const {
    if (kind_ != Kind::Map) fail("expected a map, got " + kind_name());
    return entries_;
}

void ConfigNode::set(const std::string& key, ConfigNode value, Mark key_mark) {
    if (kind_ == Kind::Null) kind_ = Kind::Map;
    for (Entry& e : entries_)
        if (e.key == key) {
            e.value = std::move(value);
            return;
        }
    entries_.push_back({key, std::move(key_mark), std::move(value)});
}

const ConfigNode* ConfigNode::find(std::string_view key) const {
    if (kind_ != Kind::Map) return nullptr;
    for (const Entry& e : entries_)
        if (e.key == key) return &e.value;
    return nullptr;
}

MapReader::MapReader(const ConfigNode& map, std::string what) : map_(map), what_(std::move(what)) {
    if (!map.is_map())
        map.fail("expected a map (" + what_ + "), got " +
                 (map.is_null()       ? std::string("nothing")
                  : map.is_sequence() ? std::string("a list")
                                      : "'" + map.text() + "'"));
}

MapReader::MapReader(const ConfigNode& map, std::string what,
                     std::initializer_list<std::string_view> known)
    : MapReader(map, std::move(what)) {
    for (std::string_view k : known) allow(k);
    finish();
}

const ConfigNode& MapReader::required(std::string_view key) {
    allow(key);
    const ConfigNode* n = map_.find(key);
    if (!n) map_.fail("missing required key '" + std::string(key) + "' in " + what_);
    if (n->is_null()) n->fail("'" + std::string(key) + "' needs a value");
    return *n;
}

const ConfigNode* MapReader::optional(std::string_view key) {
    allow(key);
    const ConfigNode* n = map_.find(key);
    return n && !n->is_null() ? n : nullptr;
}

void MapReader::allow(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
}

void MapReader::finish() const {
    for (const ConfigNode::Entry& e : map_.entries()) {
        if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
        const std::string best = closest_match(e.key, known_);
        std::string msg = "unknown key '" + e.key + "' in " + what_;
        if (!best.empty())
            msg += " (did you mean '" + best + "'?)";
        else {
            std::vector<std::string> sorted = known_;
            std::sort(sorted.begin(), sorted.end());
            msg += "; known keys:";
            for (const std::string& k : sorted) msg += " " + k;
        }
        throw ConfigError(e.key_mark.line ? e.key_mark : e.value.mark(), msg);
    }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (const std::string& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    // A typo: at most a third of the word wrong (and at least one edit allowed).
    const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
    return best_d <= allowed ? best : std::string();
}

namespace {

bool needs_quotes(const ConfigNode& n) {
    const std::string& s = n.text();
    if (n.quoted() || s.empty()) return true;
    if (std::isspace(static_cast<unsigned char>(s.front())) ||
        std::isspace(static_cast<unsigned char>(s.back())))
        return true;
    static constexpr std::string_view kLead = "-?:,[]{}#&*!|>'\"%@`";
    // "-500" is a plain scalar (a '-' indicator needs a space after it): numbers stay
    // numbers when echoed.
    const bool negative_number = s.size() > 1 && s[0] == '-' && s[1] >= '0' && s[1] <= '9';
    if (kLead.find(s.front()) != std::string_view::npos && !negative_number) return true;
    if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
    for (char c : s)
        if (c == '\n' || c == '"' || c == '\\') return true;
    return false;
}

std::string scalar_text(const ConfigNode& n) {
    if (!needs_quotes(n)) return n.text();
    std::string out = "\"";
    for (char c : n.text()) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

bool flat_sequence(const ConfigNode& n) {
    if (!n.is_sequence()) return false;
    std::size_t width = 0;
    for (const ConfigNode& i : n.items()) {
        if (!i.is_scalar()) return false;
        width += i.text().size() + 2;
    }
    return width < 70;
}

std::string flow(const ConfigNode& n) {
    std::string s = "[";
    for (std::size_t i = 0; i < n.items().size(); ++i)
        s += (i ? ", " : "") + scalar_text(n.items()[i]);
    return s + "]";
}

void emit(const ConfigNode& n, int indent, std::string& out);

void emit_value_after_key(const ConfigNode& v, int indent, std::string& out) {
    if (v.is_null()) {
        out += "\n";
    } else if (v.is_scalar()) {
        out += " " + scalar_text(v) + "\n";
    } else if (flat_sequence(v) || (v.is_sequence() && v.items().empty())) {
        out += " " + flow(v) + "\n";
    } else if (v.is_map() && v.entries().empty()) {
        out += " {}\n";
    } else {
        out += "\n";
        emit(v, indent + 2, out);
    }
}

void emit(const ConfigNode& n, int indent, std::string& out) {
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    if (n.is_map()) {
        for (const ConfigNode::Entry& e : n.entries()) {
            out += pad + e.key + ":";
            emit_value_after_key(e.value, indent, out);
        }
    } else if (n.is_sequence()) {
        for (const ConfigNode& item : n.items()) {
            if (item.is_map() && !item.entries().empty()) {
                // "- key: value" with the rest of the map aligned under the first key.
                std::string sub;
                emit(item, indent + 2, sub);
                sub.replace(static_cast<std::size_t>(indent), 2, "- ");
                out += sub;
            } else if (item.is_scalar()) {
                out += pad + "- " + scalar_text(item) + "\n";
            } else if (flat_sequence(item)) {
                out += pad + "- " + flow(item) + "\n";
            } else {
                out += pad + "-\n";
                emit(item, indent + 2, out);
            }
        }
    } else if (n.is_scalar()) {
        out += pad + scalar_text(n) + "\n";
    }
}

} // namespace

std::string to_yaml(const ConfigNode& node) {
    std::string out;
    emit(node, 0, out);
    return out;
}

} // namespace pagesim
