// SPDX-License-Identifier: GPL-2.0-only
// The job-list convention (scripts/cluster/README.md) in C++: one self-contained sh command
// per line, naming its result file literally once as `.../results/<id>.json`; a job is
// done iff that file exists and parses as JSON. Same rule as collect-results.py.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pagesim {

struct JobLine {
    std::size_t line_no = 0; ///< 1-based
    std::string id;          ///< [A-Za-z0-9._-]+
    std::string result;      ///< the path as written in the line
    std::string command;     ///< the whole line
};

/// The one `results/<id>.json` path of a line (as collect-results.py's pattern finds it:
/// preceded by the line start, whitespace, '=', or a quote; followed by the line end,
/// whitespace, a quote, ';', '&', '|' or ')'). Sets `path` and `id`; returns the number of
/// distinct such paths (the line is valid only with exactly 1).
std::size_t find_result_path(std::string_view line, std::string& path, std::string& id);

/// Parses a job list. Throws std::invalid_argument ("NAME:LINE: ...") for an empty list,
/// an empty line, a line without exactly one result path, or an id used twice.
std::vector<JobLine> parse_job_list(std::string_view text, const std::string& name);
/// Reads and parses a job list file (std::invalid_argument if unreadable).
std::vector<JobLine> read_job_list(const std::filesystem::path& file);

enum class ResultState { Done, Missing, Invalid };
/// Judges a result file; `why` says what is wrong with an invalid one.
ResultState judge_result(const std::filesystem::path& file, std::string* why = nullptr);
/// The result file of a job whose lines run in `dir` (relative paths start there).
std::filesystem::path result_file(const JobLine& job, const std::filesystem::path& dir);

/// `s` quoted for POSIX sh: as is when it only holds [A-Za-z0-9_./:=@%+,-], else in single
/// quotes with each ' written as '\''.
std::string shell_quote(std::string_view s);

} // namespace pagesim
