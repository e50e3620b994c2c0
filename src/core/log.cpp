#include "l0svgd/core/log.hpp"

#include <iostream>

namespace l0svgd {

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

void Logger::set_comm(MPI_Comm comm) {
  MPI_Comm_rank(comm, &rank_);
}

void Logger::emit(const std::string& line) {
  std::cout << line << '\n' << std::flush;
}

void Logger::error(const std::string& message) {
  if (rank_ == 0)
    std::cerr << "l0svgd: error: " << message << std::endl;
}

} // namespace l0svgd
