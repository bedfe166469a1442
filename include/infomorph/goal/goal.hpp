#pragma once
/// \file
/// Goal functions goal<N> of infomorphic neurons and the presets of the authors' configs.
/// Goal functions G = sum_alpha gamma_alpha Pi_alpha + gamma_res H_res of infomorphic neurons,
/// with the presets of the authors' configs (Priesemann-Group/Infomorphic_Networks, commit
/// 5284adf, paper_trivariate/conf/goals/** and conf/base_config.yaml).

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "infomorph/detail/quote.hpp"
#include "infomorph/error.hpp"
#include "infomorph/lattice/lattice.hpp"
#include "infomorph/lattice/orders.hpp"

namespace infomorph {

/// A goal function G = sum_alpha gamma_alpha Pi_alpha + gamma_res H_res of a neuron of N sources, atoms in canonical order.
template <std::size_t N>
struct goal {
    /// The lattice of N sources, which indexes gamma.
    using lattice = redundancy_lattice<N>;
    /// The number of atoms, redundancy_lattice<N>::size.
    static constexpr std::size_t size = lattice::size;

    std::array<double, size> gamma{};  ///< per atom, canonical order
    double gamma_res = 0;              ///< weight of H_res = H(T) - I(T; S)

    /// A gamma vector as the authors' configs write it: their atom order, H_res last.
    static constexpr goal from_authors_order(const std::array<double, size + 1>& authors) {
        std::array<double, size> atoms{};
        for (std::size_t i = 0; i < size; ++i) atoms[i] = authors[i];
        return {from_order<N>(authors_order<N>(), atoms), authors[size]};
    }

    /// gamma in the authors' atom order with gamma_res appended: the inverse of from_authors_order.
    constexpr std::array<double, size + 1> to_authors_order() const {
        const auto atoms = to_order<N>(authors_order<N>(), gamma);
        std::array<double, size + 1> out{};
        for (std::size_t i = 0; i < size; ++i) out[i] = atoms[i];
        out[size] = gamma_res;
        return out;
    }

    /// G in terms of the averaged redundancies and H(T): G = sum_beta weight[beta] I(beta) +
    /// gamma_res H(T), since the atoms are the Moebius transform of the redundancies and
    /// H_res = H(T) - I(top). The gradient needs only these weights.
    constexpr std::array<double, size> redundancy_weights() const {
        std::array<double, size> w{};
        for (std::size_t b = 0; b < size; ++b)
            for (std::size_t a = 0; a < size; ++a) w[b] += gamma[a] * lattice::moebius[a][b];
        w[lattice::top] -= gamma_res;
        return w;
    }

    /// G of the averaged atoms (canonical order, bits) and H_res.
    constexpr double operator()(const std::array<double, size>& atoms, double h_res) const {
        double g = gamma_res * h_res;
        for (std::size_t a = 0; a < size; ++a) g += gamma[a] * atoms[a];
        return g;
    }
};

// Named goals of the paper, entered in the authors' order exactly as their configs list them.
namespace goals {

/// Output layer (base_config.yaml): F = hidden layer, C = label.
inline constexpr goal<2> output_layer = goal<2>::from_authors_order({-0.2, 0.1, 1.0, 0.1, 0.0});

// Bivariate hidden layers, sources {1} = F, {2} = C (context) or L (lateral).
/// Preset "context/naive" (conf/goals/infomorphic_context): the redundancy of F and C only.
inline constexpr goal<2> context_naive = goal<2>::from_authors_order({0.0, 0.0, 1.0, 0.0, 0.0});
/// Preset "context/opt_1_100" (conf/goals/infomorphic_context), the authors' optimised context goal; the default for that kind.
inline constexpr goal<2> context_opt_1_100 = goal<2>::from_authors_order(
    {-0.09897422104624026, 0.3916122183491769, 0.5117811143405198, 0.5941935589368678, 0.08852570460263162});
/// Preset "context/opt_2_100" (conf/goals/infomorphic_context), an optimised context goal.
inline constexpr goal<2> context_opt_2_100 = goal<2>::from_authors_order(
    {0.03790207886343058, 0.31846647873373646, 0.7754715864603647, 0.1535975630019188, 0.007582022614057774});
/// Preset "lateral/naive" (conf/goals/infomorphic_lateral): the unique information of F only.
inline constexpr goal<2> lateral_naive = goal<2>::from_authors_order({1.0, 0.0, 0.0, 0.0, 0.0});
/// Preset "lateral/opt_1_100" (conf/goals/infomorphic_lateral), the authors' optimised lateral goal; the default for that kind.
inline constexpr goal<2> lateral_opt_1_100 = goal<2>::from_authors_order(
    {0.8280595043322676, -0.20382187154968667, 0.9029595669837212, 0.5267465629054332, 0.13500766640505008});
/// Preset "lateral/opt_2_100" (conf/goals/infomorphic_lateral), an optimised lateral goal.
inline constexpr goal<2> lateral_opt_2_100 = goal<2>::from_authors_order(
    {0.8050669838297834, -0.4079175158311413, 0.5380270551460712, 0.5634098766546485, -0.009729245933249309});

// Trivariate hidden layer, sources {1} = F, {2} = C, {3} = L.
/// Trivariate preset "naive" (conf/goals/infomorphic_context_lateral): the atom {1}{2}, shared by F and C, only.
inline constexpr goal<3> context_lateral_naive = goal<3>::from_authors_order(
    {0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
/// Trivariate preset "opt_1_100_tpe": the paper's optimised goal, the default of the trivariate kinds.
inline constexpr goal<3> context_lateral_opt_1_100_tpe = goal<3>::from_authors_order(
    {0.3307283306516516, 0.9780761799548087, -0.9935002057481923, 0.40173303106031233, 0.2427806207519021,
     0.6255375402143335, 0.47128370476190684, 0.02120506738070921, 0.06053998481721795, -0.9469786302806626,
     -0.01985334149032275, -0.9676614963177035, -0.6924498112774857, 0.42701490050101726, 0.9736446648870112,
     0.7369645864450716, -0.12183291675207343, -0.21512478790202927, 0.035001249394734923});
/// Trivariate preset "opt_1_1000" (conf/goals/infomorphic_context_lateral), an optimised goal.
inline constexpr goal<3> context_lateral_opt_1_1000 = goal<3>::from_authors_order(
    {0.9540437557611278, -0.45393914646691425, -0.9784468828423021, -0.8978242928743202, 0.19495775138233973,
     0.10177639082990408, -0.8267991334321677, 0.9747659959199149, 0.4571288989388105, -0.8035564169553195,
     0.04951122272878117, 0.9631986612529871, 0.9137954495018125, -0.47918851166247556, -0.22818102813114682,
     -0.06659245418356763, 0.48537496790045487, 0.8913289376634462, -0.22141751837541856});
/// Trivariate preset "opt_1_100_CIFAR" (conf/goals/infomorphic_context_lateral), an optimised goal (the authors' CIFAR variant).
inline constexpr goal<3> context_lateral_opt_1_100_cifar = goal<3>::from_authors_order(
    {0.9837820726191796, 0.6048455749515627, -0.21334943315606067, 0.24265712902806794, 0.33962813939570347,
     -0.5790385828040313, 0.04999679463591504, 0.03361529158166076, 0.5973862257913375, -0.07824457437830484,
     0.4762356584665217, -0.8475447215243984, -0.3991893069538312, 0.5563392672403792, 0.2714717752741452,
     -0.46227689740518685, -0.06276458120619889, -0.26289699781803655, 0.0});
/// Trivariate preset "opt_1_100_cmaes" (conf/goals/infomorphic_context_lateral), an optimised goal.
inline constexpr goal<3> context_lateral_opt_1_100_cmaes = goal<3>::from_authors_order(
    {0.21015528909422065, 0.986042844320863, -0.44867761323689065, 0.4683457097422675, -0.6237555701283991,
     0.43270029582303726, 0.8412668868268378, 0.009733914135339042, -0.4120943286023191, -0.4813479632488419,
     -0.14115376106328242, -0.7057867218129715, -0.5328849254593179, 0.14942040366049106, 0.7098626364076295,
     0.3391552454909269, 0.7866424327513093, 0.05718732638281174, 0.0});
/// Trivariate preset "opt_1_100_modified" (conf/goals/infomorphic_context_lateral), a sparse opt_1_100_tpe: four of its weights, rounded, the rest zero.
inline constexpr goal<3> context_lateral_opt_1_100_modified = goal<3>::from_authors_order(
    {0.33, 1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
/// Trivariate preset "opt_2_100_cmaes" (conf/goals/infomorphic_context_lateral), an optimised goal.
inline constexpr goal<3> context_lateral_opt_2_100_cmaes = goal<3>::from_authors_order(
    {-0.04317877469673284, 0.5292351400041198, -0.9112867464562194, -0.2560558459519244, 0.4608500686428271,
     -0.19348305888463146, 0.4576466736392613, -0.06561337575458076, -0.4901344180605686, -0.6261647609773964,
     -0.17032612495650984, 0.16578047742445834, -0.4323563514144559, 0.14677089048946018, 0.4752523903931801,
     -0.6428682822262763, -0.1899536816265111, 0.3085049047894687, 0.035001249394734923});
/// Trivariate preset "opt_2_100_tpe" (conf/goals/infomorphic_context_lateral), an optimised goal.
inline constexpr goal<3> context_lateral_opt_2_100_tpe = goal<3>::from_authors_order(
    {0.4063135506411676, 0.59642166494369, -0.8235204285446064, 0.9654765761019054, 0.5364842713869633,
     0.5807958977979149, -0.3774872905728335, 0.20916590739897695, -0.6977798433941902, 0.694756257614332,
     -0.9706972360830098, -0.24991966366746965, -0.1526133221412383, -0.044334681899615896, 0.05911586780462447,
     -0.9609138708592532, -0.7670746910676481, -0.34865750277047475, 0.06870920081104473});
/// Trivariate preset "opt_3_100_cmaes" (conf/goals/infomorphic_context_lateral), an optimised goal.
inline constexpr goal<3> context_lateral_opt_3_100_cmaes = goal<3>::from_authors_order(
    {0.14956977148776304, 0.778956621291974, -0.78089208012629, 0.6631149140213546, 0.6466615969262965,
     0.835835318439909, 0.4122717888704891, 0.016746152980997023, 0.22905860326514704, -0.8100915427563122,
     -0.20902454382181096, -0.5307962161900797, -0.45924474501665513, -0.044334681899615896, -0.174890213965818,
     -0.2895764722229578, -0.33714439432675436, 0.14698031908149956, 0.06870920081104473});
/// Trivariate preset "opt_3_100_tpe" (conf/goals/infomorphic_context_lateral), an optimised goal.
inline constexpr goal<3> context_lateral_opt_3_100_tpe = goal<3>::from_authors_order(
    {0.004673879439999862, 0.9309777589132915, -0.7651052254240589, 0.6217247288394926, 0.8812527440395411,
     -0.09925207692605181, 0.40139583567089476, 0.039309939935334215, 0.45069424950903547, 0.23407029839336696,
     -0.2552550407621431, 0.07487422433634684, 0.5513869857887319, 0.7033284197785392, -0.13705318733144678,
     -0.3116118316643789, -0.06500373208414506, -0.4912864312816089, 0.007691717436092205});

}  // namespace goals

/// Looks a preset up by the name the authors' configs use (file stem; "output_layer" for the
/// output layer), e.g. preset<3>("opt_1_100_tpe"), preset<2>("context/naive").
template <std::size_t N>
goal<N> preset(std::string_view name) {
    if constexpr (N == 2) {
        static const std::pair<std::string_view, goal<2>> table[] = {
            {"output_layer", goals::output_layer},           {"context/naive", goals::context_naive},
            {"context/opt_1_100", goals::context_opt_1_100}, {"context/opt_2_100", goals::context_opt_2_100},
            {"lateral/naive", goals::lateral_naive},         {"lateral/opt_1_100", goals::lateral_opt_1_100},
            {"lateral/opt_2_100", goals::lateral_opt_2_100}};
        for (const auto& [n, g] : table)
            if (n == name) return g;
    } else if constexpr (N == 3) {
        static const std::pair<std::string_view, goal<3>> table[] = {
            {"naive", goals::context_lateral_naive},
            {"opt_1_100_tpe", goals::context_lateral_opt_1_100_tpe},
            {"opt_1_1000", goals::context_lateral_opt_1_1000},
            {"opt_1_100_CIFAR", goals::context_lateral_opt_1_100_cifar},
            {"opt_1_100_cmaes", goals::context_lateral_opt_1_100_cmaes},
            {"opt_1_100_modified", goals::context_lateral_opt_1_100_modified},
            {"opt_2_100_cmaes", goals::context_lateral_opt_2_100_cmaes},
            {"opt_2_100_tpe", goals::context_lateral_opt_2_100_tpe},
            {"opt_3_100_cmaes", goals::context_lateral_opt_3_100_cmaes},
            {"opt_3_100_tpe", goals::context_lateral_opt_3_100_tpe}};
        for (const auto& [n, g] : table)
            if (n == name) return g;
    }
    throw error("no " + std::to_string(N) + "-source goal preset named " + detail::quote(name));
}

}  // namespace infomorph
