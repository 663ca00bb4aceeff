// SPDX-License-Identifier: GPL-2.0-only
#include "sim/atomic_stream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace pagesim {

AtomicOutputFile::AtomicOutputFile(std::filesystem::path path, const std::string& tag)
    : path_(std::move(path)) {
    namespace fs = std::filesystem;
    if (path_.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(path_.parent_path(), ec);
        if (ec) {
            throw std::runtime_error(path_.parent_path().string() +
                                     ": cannot create directory: " + ec.message());
        }
    }
    tmp_ = path_.string() + ".tmp." + std::to_string(::getpid()) + tag;
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error(tmp_.string() + ": " + std::strerror(errno));
}

AtomicOutputFile::~AtomicOutputFile() {
    if (!done_) discard();
}

void AtomicOutputFile::discard() {
    if (done_) return;
    done_ = true;
    out_.close();
    std::remove(tmp_.c_str());
}

void AtomicOutputFile::commit() {
    if (done_) throw std::runtime_error(path_.string() + ": already committed or discarded");
    out_.flush();
    const bool ok = static_cast<bool>(out_);
    out_.close();
    if (!ok || out_.fail()) {
        discard();
        throw std::runtime_error(path_.string() + ": write failed");
    }
    done_ = true;
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp_.c_str());
        throw std::runtime_error(path_.string() + ": " + std::strerror(err));
    }
}

} // namespace pagesim
