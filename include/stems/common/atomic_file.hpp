#pragma once
// Crash-safe output: content is written to "<path>.tmp.<pid>" and renamed over <path> only when it
// is complete, so an interrupted run never leaves a file that looks finished.

#include <string>
#include <string_view>

namespace stems {

// Writes `content` to `path` atomically, making missing parent folders. Throws InputError
// (where = path) if it cannot.
// The path "-" writes to stdout instead.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace stems
