// SPDX-License-Identifier: GPL-2.0-only
// Output files are written whole or not at all: write to a temporary file in the same
// directory, then rename() over the target.
#pragma once

#include <filesystem>
#include <string_view>

namespace pagesim {

/// Writes `contents` to `path` atomically (temporary file + rename). Creates missing parent
/// directories. Throws std::runtime_error with the path and errno text on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

} // namespace pagesim
