#include "l0svgd/optim/l0_path_exchange.hpp"

#include "l0svgd/core/error.hpp"
#include "l0svgd/core/profiling.hpp"
#include "l0svgd/parallel/collective_error.hpp"

#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

namespace l0svgd {
namespace {

// A path point as one byte image, so that a broadcast costs two messages (length, bytes) whatever
// the number of fields. Sender and receivers run the same binary, so raw object bytes suffice.
class Bytes {
public:
  template <class T> void put(const T* values, std::size_t count) {
    static_assert(std::is_trivially_copyable<T>::value, "only plain values are packed");
    const std::size_t size = count * sizeof(T);
    data.resize(data.size() + size);
    if (size > 0)
      std::memcpy(data.data() + data.size() - size, values, size);
  }
  template <class T> void put(const T& value) { put(&value, 1); }

  template <class T> void get(T* values, std::size_t count) {
    const std::size_t size = count * sizeof(T);
    if (position_ + size > data.size())
      throw Error("L0 path exchange: received image is too short");
    if (size > 0)
      std::memcpy(values, data.data() + position_, size);
    position_ += size;
  }
  template <class T> T get() {
    T value{};
    get(&value, 1);
    return value;
  }

  std::vector<char> data;

private:
  std::size_t position_ = 0;
};

void pack(const L0PathPoint& p, Bytes& out) {
  out.put(p.lambda);
  out.put(p.active);
  out.put(p.loss);
  out.put(p.r_squared);
  out.put(p.bic);
  out.put(p.objective);
  out.put(p.iterations);
  out.put(static_cast<Index>(p.reason.size()));
  out.put(p.reason.data(), p.reason.size());
  for (const Vector* v : {&p.theta, &p.log_alpha, &p.surviving_theta}) {
    out.put(v->size());
    out.put(v->data(), static_cast<std::size_t>(v->size()));
  }
  out.put(static_cast<Index>(p.surviving.size()));
  out.put(p.surviving.data(), p.surviving.size());
}

void unpack(Bytes& in, L0PathPoint& p) {
  p.lambda = in.get<double>();
  p.active = in.get<Index>();
  p.loss = in.get<double>();
  p.r_squared = in.get<double>();
  p.bic = in.get<double>();
  p.objective = in.get<double>();
  p.iterations = in.get<PetscInt>();
  p.reason.resize(static_cast<std::size_t>(in.get<Index>()));
  in.get(&p.reason[0], p.reason.size());
  for (Vector* v : {&p.theta, &p.log_alpha, &p.surviving_theta}) {
    v->resize(in.get<Index>());
    in.get(v->data(), static_cast<std::size_t>(v->size()));
  }
  p.surviving.resize(static_cast<std::size_t>(in.get<Index>()));
  in.get(p.surviving.data(), p.surviving.size());
}

} // namespace

void broadcast_path_point(L0PathPoint& point, int root, MPI_Comm comm) {
  int rank = 0;
  L0_MPI(MPI_Comm_rank(comm, &rank));
  Bytes bytes;
  if (rank == root)
    pack(point, bytes);
  unsigned long long length = bytes.data.size();
  L0_MPI(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm));
  if (length > static_cast<unsigned long long>(std::numeric_limits<int>::max()))
    throw Error("L0 path exchange: a path point exceeds the MPI count range");
  bytes.data.resize(length);
  L0_MPI(MPI_Bcast(bytes.data.data(), static_cast<int>(length), MPI_BYTE, root, comm));
  if (rank != root)
    unpack(bytes, point);
}

std::vector<L0PathPoint>
solve_stages_round_robin(std::size_t n_stages, const std::function<L0PathPoint(std::size_t)>& solve,
                         MPI_Comm comm) {
  int rank = 0, size = 1;
  L0_MPI(MPI_Comm_rank(comm, &rank));
  L0_MPI(MPI_Comm_size(comm, &size));
  std::vector<L0PathPoint> path(n_stages);
  const auto ranks = static_cast<std::size_t>(size);
  bool failed = false;
  std::string message;
  try {
    for (std::size_t i = static_cast<std::size_t>(rank); i < n_stages; i += ranks)
      path[i] = solve(i);
  } catch (const Error& e) {
    failed = true;
    message = e.what();
  }
  // The exchange event starts before the failure check, where ranks that finished early wait, so
  // -log_view shows the load imbalance of the split.
  const LogEventScope scope(log_event("L0Exchange"));
  raise_if_any(failed, message, comm);
  for (std::size_t i = 0; i < n_stages; ++i)
    broadcast_path_point(path[i], static_cast<int>(i % ranks), comm);
  return path;
}

} // namespace l0svgd
