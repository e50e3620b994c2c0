#pragma once
/// Eigen types shared by every module. Particle blocks are row-major (one particle per row) so that
/// a block is contiguous for MPI gathers and HDF5 hyperslabs.
#include <Eigen/Core>

namespace l0svgd {
using Index = Eigen::Index;
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;
using MatrixRef = Eigen::Ref<Matrix>;
using ConstMatrixRef = Eigen::Ref<const Matrix>;
using VectorRef = Eigen::Ref<Vector>;
using ConstVectorRef = Eigen::Ref<const Vector>;
/// Column-major matrix for dense linear algebra that is not a particle block (covariances,
/// Hessians).
using DenseMatrix = Eigen::MatrixXd;
} // namespace l0svgd
