"""Densities of the Gaussian mixtures l0svgd writes (an HDF5 group with weights (K), means (K, d) and
cholesky (K, d, d), the lower Cholesky factors of the covariances), on any subset of the coordinates:
the marginal of a Gaussian mixture over coordinates J is the mixture of N(mu_J, Sigma_JJ)."""
import numpy as np


def marginal_density(group, coords, points):
    """Density of the mixture in `group` marginalised onto `coords`, at points (n, len(coords))."""
    coords = list(coords)
    points = np.atleast_2d(points)
    total = np.zeros(len(points))
    for w, mu, low in zip(group["weights"][...], group["means"][...], group["cholesky"][...]):
        cov = (low @ low.T)[np.ix_(coords, coords)]
        factor = np.linalg.cholesky(cov)
        y = np.linalg.solve(factor, (points - mu[coords]).T)
        norm = (2 * np.pi) ** (len(coords) / 2) * np.prod(np.diag(factor))
        total += w * np.exp(-0.5 * np.sum(y * y, axis=0)) / norm
    return total


def mixture_moments(group):
    """Per-coordinate mean and standard deviation (two arrays of d) of the mixture in `group`."""
    w, mu, low = group["weights"][...], group["means"][...], group["cholesky"][...]
    mean = w @ mu
    variance = np.einsum("kij,kij->ki", low, low)  # diagonal of L Lᵀ per component
    return mean, np.sqrt(w @ (variance + mu**2) - mean**2)
