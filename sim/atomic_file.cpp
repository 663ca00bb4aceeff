// SPDX-License-Identifier: GPL-2.0-only
#include "sim/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace pagesim {

void write_file_atomic(const std::filesystem::path& path, std::string_view contents) {
    namespace fs = std::filesystem;
    if (path.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec)
            throw std::runtime_error(path.parent_path().string() +
                                     ": cannot create directory: " + ec.message());
    }
    const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw std::runtime_error(tmp.string() + ": " + std::strerror(errno));
    const bool ok = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size() &&
                    std::fflush(f) == 0;
    const int err = errno;
    if (std::fclose(f) != 0 || !ok) {
        std::remove(tmp.c_str());
        throw std::runtime_error(path.string() +
                                 ": write failed: " + std::strerror(ok ? errno : err));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int rerr = errno;
        std::remove(tmp.c_str());
        throw std::runtime_error(path.string() + ": " + std::strerror(rerr));
    }
}

} // namespace pagesim
