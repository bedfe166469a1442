// The goal of a trivariate infomorphic neuron on one batch: its value, atoms and the exact
// gradient with respect to every sample's firing probability.
#include <infomorph/infomorph.hpp>

#include <cstdio>
#include <random>
#include <vector>

int main() {
    using namespace infomorph;
    constexpr std::size_t batch = 256;
    std::mt19937 rng(1);
    std::uniform_int_distribution<std::uint32_t> bin(0, 19);
    std::uniform_real_distribution<double> fire(0.1, 0.9);
    std::vector<std::uint32_t> bins(batch * 3);  // sample k: bins of F, C, L at 3k, 3k+1, 3k+2
    std::vector<double> theta(batch), gradient(batch);
    for (auto& b : bins) b = bin(rng);
    for (auto& t : theta) t = fire(rng);

    // The paper's optimised trivariate goal, as their config lists it (authors' order).
    const goal<3> g = preset<3>("opt_1_100_tpe");
    batch_goal_solver<3> solver;
    const auto v = solver.compute(g, bins.data(), 3, theta.data(), 1, batch, gradient.data(), 1);

    std::printf("G = %.6f  I(Y;F,C,L) = %.6f  H_res = %.6f\n", v.value, v.mi, v.h_res);
    using lattice = redundancy_lattice<3>;
    std::printf("redundancy {F}{C} = %.6f, synergy {F,C,L} = %.6f\n", v.atoms[lattice::index_of("{1}{2}")],
                v.atoms[lattice::index_of("{1,2,3}")]);
    std::printf("dG/dtheta of the first samples: %.6f %.6f %.6f\n", gradient[0], gradient[1], gradient[2]);
}
