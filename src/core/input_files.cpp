#include "l0svgd/core/input_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace l0svgd {
namespace {
std::vector<std::string>& registry() {
  static std::vector<std::string> files;
  return files;
}
} // namespace

std::string file_problem(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0)
    return "does not exist";
  if (S_ISDIR(st.st_mode))
    return "is a directory";
  if (!S_ISREG(st.st_mode))
    return "is not a regular file (a FIFO, socket or device)";
  if (access(path.c_str(), R_OK) != 0)
    return "is not readable";
  return "";
}

void register_input_file(const std::string& path) {
  auto& files = registry();
  if (!path.empty() && std::find(files.begin(), files.end(), path) == files.end())
    files.push_back(path);
}

void release_input_file(const std::string& path) {
  auto& files = registry();
  files.erase(std::remove(files.begin(), files.end(), path), files.end());
}

const std::vector<std::string>& input_files() {
  return registry();
}

int input_file_equivalent_to(const std::string& path, const std::string& except) {
  const auto& files = registry();
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!except.empty() && files[i] == except)
      continue;
    std::error_code ec;
    if (std::filesystem::equivalent(path, files[i], ec) && !ec)
      return static_cast<int>(i);
  }
  return -1;
}

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::equivalent(a, b, ec) && !ec)
    return true;
  // Absolute first: GCC's weakly_canonical leaves a relative path with no existing prefix as it is.
  const auto normal = [](const std::string& p, std::error_code& e) {
    return fs::weakly_canonical(fs::absolute(p, e), e).lexically_normal();
  };
  const fs::path ca = normal(a, ec);
  if (ec)
    return a == b;
  const fs::path cb = normal(b, ec);
  return ec ? a == b : ca == cb;
}

} // namespace l0svgd
