// SPDX-License-Identifier: GPL-2.0-only
// AtomicOutputFile: a file written as a stream but published whole or not at all. Text goes
// to a temporary file beside the target; commit() renames it over the target; destroying
// an uncommitted one removes the temporary (a failed run leaves no half-written output).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace pagesim {

class AtomicOutputFile {
public:
    /// Creates missing parent directories and opens `path` + ".tmp.<pid>" (+ `tag`).
    /// Throws std::runtime_error with the path and errno text on failure.
    explicit AtomicOutputFile(std::filesystem::path path, const std::string& tag = "");
    ~AtomicOutputFile();
    AtomicOutputFile(const AtomicOutputFile&) = delete;
    AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

    /// The stream to write to (binary mode).
    std::ofstream& stream() { return out_; }
    /// Flushes, closes and renames the temporary over the target. Throws
    /// std::runtime_error if writing failed; the temporary is removed then.
    void commit();
    /// Closes and removes the temporary without publishing it.
    void discard();
    const std::filesystem::path& path() const { return path_; }
    const std::filesystem::path& temp_path() const { return tmp_; }

private:
    std::filesystem::path path_;
    std::filesystem::path tmp_;
    std::ofstream out_;
    bool done_ = false;
};

} // namespace pagesim
