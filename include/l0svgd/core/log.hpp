#pragma once
/// The one logger: every message of the application goes through it and only rank 0 prints.
#include <cstdio>
#include <mpi.h>
#include <sstream>
#include <string>

namespace l0svgd {

/// printf-style formatting of one number for log lines, e.g. format("%.3g", x).
inline std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

enum class LogLevel { Quiet = 0, Warning = 1, Info = 2, Debug = 3 };

/// Rank-0 logger. Not collective: a message logged on another rank is dropped, so log values that
/// are already reduced (identical on all ranks).
class Logger {
public:
  static Logger& instance();

  void set_comm(MPI_Comm comm);
  void set_level(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  bool is_root() const { return rank_ == 0; }

  template <class... Args> void info(const Args&... args) { write(LogLevel::Info, "", args...); }
  template <class... Args> void warning(const Args&... args) {
    write(LogLevel::Warning, "warning: ", args...);
  }
  template <class... Args> void debug(const Args&... args) { write(LogLevel::Debug, "", args...); }
  /// Error line printed to stderr on rank 0, whatever the level.
  void error(const std::string& message);

private:
  template <class... Args> void write(LogLevel level, const char* prefix, const Args&... args) {
    if (rank_ != 0 || level > level_)
      return;
    std::ostringstream line;
    line << prefix;
    (line << ... << args);
    emit(line.str());
  }
  void emit(const std::string& line);

  int rank_ = 0;
  LogLevel level_ = LogLevel::Info;
};

/// Shorthand for Logger::instance().
inline Logger& logger() {
  return Logger::instance();
}

} // namespace l0svgd
