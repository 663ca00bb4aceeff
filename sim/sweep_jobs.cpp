// SPDX-License-Identifier: GPL-2.0-only
// Job lists and result files. The scanner mirrors collect-results.py's regular expression
// by hand (std::regex has no look-behind), so both tools agree on every line.
#include "sim/sweep_jobs.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pagesim {

namespace {

bool id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}
bool space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// May precede the path (look-behind of the pattern): whitespace, '=', quotes.
bool opener(char c) {
    return space(c) || c == '=' || c == '\'' || c == '"';
}
// May follow it (look-ahead): whitespace, quotes, ';', '&', '|', ')'.
bool closer(char c) {
    return space(c) || c == '\'' || c == '"' || c == ';' || c == '&' || c == '|' || c == ')';
}

} // namespace

std::size_t find_result_path(std::string_view line, std::string& path, std::string& id) {
    static constexpr std::string_view kDir = "results/";
    std::set<std::string> paths;
    std::size_t pos = 0;
    while ((pos = line.find(kDir, pos)) != std::string_view::npos) {
        const std::size_t at = pos;
        pos += kDir.size();
        // The directory prefix: anything but whitespace, quotes and '=' back to an opener.
        std::size_t start = at;
        if (at > 0 && line[at - 1] == '/') {
            while (start > 0 && !opener(line[start - 1])) --start;
        } else if (at > 0 && !opener(line[at - 1])) {
            continue;
        }
        std::size_t end = at + kDir.size();
        while (end < line.size() && id_char(line[end])) ++end;
        const std::string_view name = line.substr(at + kDir.size(), end - at - kDir.size());
        if (name.size() <= 5 || name.substr(name.size() - 5) != ".json") continue;
        if (end < line.size() && !closer(line[end])) continue;
        const std::string p(line.substr(start, end - start));
        if (paths.insert(p).second && paths.size() == 1) {
            path = p;
            id = std::string(name.substr(0, name.size() - 5));
        }
    }
    return paths.size();
}

std::vector<JobLine> parse_job_list(std::string_view text, const std::string& name) {
    std::vector<JobLine> out;
    std::map<std::string, std::size_t> seen;
    std::size_t n = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        const std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++n;
        const std::string where = name + ":" + std::to_string(n) + ": ";
        bool blank = true;
        for (char c : line) blank = blank && space(c);
        if (blank) throw std::invalid_argument(where + "empty line (every line must be a command)");
        JobLine j;
        j.line_no = n;
        j.command = std::string(line);
        const std::size_t found = find_result_path(line, j.result, j.id);
        if (found != 1)
            throw std::invalid_argument(where + (found == 0 ? "no" : "more than one") +
                                        " 'results/<id>.json' path in the line");
        if (const auto [it, fresh] = seen.emplace(j.id, n); !fresh)
            throw std::invalid_argument(where + "id '" + j.id + "' already used on line " +
                                        std::to_string(it->second));
        out.push_back(std::move(j));
    }
    if (out.empty()) throw std::invalid_argument(name + ": empty job list");
    return out;
}

std::vector<JobLine> read_job_list(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::invalid_argument(file.string() + ": cannot read the job list");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_job_list(ss.str(), file.string());
}

ResultState judge_result(const std::filesystem::path& file, std::string* why) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return ResultState::Missing;
    std::ifstream in(file, std::ios::binary);
    if (!in || std::filesystem::is_directory(file, ec)) {
        if (why) *why = "cannot read it";
        return ResultState::Invalid;
    }
    try {
        [[maybe_unused]] const nlohmann::json j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        if (why) *why = e.what();
        return ResultState::Invalid;
    }
    return ResultState::Done;
}

std::filesystem::path result_file(const JobLine& job, const std::filesystem::path& dir) {
    const std::filesystem::path p(job.result);
    return p.is_absolute() ? p : dir / p;
}

std::string shell_quote(std::string_view s) {
    bool plain = !s.empty();
    for (char c : s)
        plain = plain && (id_char(c) || c == '/' || c == ':' || c == '=' || c == '@' || c == '%' ||
                          c == '+' || c == ',');
    if (plain) return std::string(s);
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

} // namespace pagesim
