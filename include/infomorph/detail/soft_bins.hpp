#pragma once
// Soft marginal binning of two sources and the I^sx goal of the resulting joint distribution,
// with its gradient: the estimator of the authors' im_net/prob_estim.py
// BinningDifferentiableMarginal (commit ecc3d7e) with paper_hopfield/conf/binning/marginal.yaml,
// and im_model.py's InformationDecomposition for two sources.
//
// Per source, the edges span the batch's min and max over all samples and neurons, widened
// by `padding` (no gradient through them: the authors rebuild them with torch.tensor); the
// range is cut into equal bins of width w with centres c_b. A sample x belongs to bin b with
// weight u_b = sigmoid((w/2 - |x - c_b|) / f), f the source's sigma fraction, normalised over
// the bins. A neuron's joint distribution is
//   p(a, b, t) = (1/P) sum_k m1_k(a) m2_k(b) P_k(t),   P_k(+1) = theta_k, P_k(-1) = 1 - theta_k.
// The I^sx terms log2 U(a, b, t) / (Q(a, b) p(t)) of the four antichains {1}, {2}, {1}{2},
// {12} take the source-side union Q without gradient (compute_isx's torch.no_grad), keep
// the `+ 1e-10` of the denominator and drop terms with a ratio below 1e-7 (value and
// gradient), as the authors do. G = gamma . (unique 1, unique 2, redundancy, synergy, H_res)
// in the authors' order, H_res = H(T) - I^sx({12}).
//
// The gradient flows into theta and, through the soft memberships, into the recurrent drive.
// Sums are in double; each neuron's numbers depend on its own column only.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <vector>

#include "infomorph/detail/parallel.hpp"

namespace infomorph::detail {

// The soft bins of one source: edges [lo, hi] cut into `count` bins, sigma fraction f.
class soft_axis {
public:
    soft_axis(double lo, double hi, std::size_t count, double fraction)
        : lo_(lo), hi_(hi), fraction_(fraction), inv_fraction_(1.0 / fraction), centres_(count) {
        width_ = (hi - lo) / static_cast<double>(count);
        for (std::size_t b = 0; b < count; ++b) centres_[b] = lo + (static_cast<double>(b) + 0.5) * width_;
    }

    double lo() const { return lo_; }
    double hi() const { return hi_; }
    double width() const { return width_; }
    double fraction() const { return fraction_; }
    std::size_t count() const { return centres_.size(); }

    // Normalised memberships m[b] of x and, if dm, their derivatives d m[b] / d x.
    void members(double x, double* m, double* dm) const {
        const std::size_t count = centres_.size();
        const double half = width_ / 2;
        double sum = 0, dsum = 0;
        for (std::size_t b = 0; b < count; ++b) {
            const double d = x - centres_[b];
            // sigmoid(z); |z| beyond 700 is 0 or 1 in double, and exp would overflow (slowly)
            const double z = (half - std::fabs(d)) * inv_fraction_;
            const double u = z < -700 ? 0.0 : (z > 700 ? 1.0 : 1.0 / (1.0 + std::exp(-z)));
            m[b] = u;
            sum += u;
            if (dm) {
                // d|d|/dx is sign(d), 0 at d = 0 (as torch's abs)
                const double sign = d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0);
                dm[b] = -u * (1 - u) * sign * inv_fraction_;
                dsum += dm[b];
            }
        }
        if (sum <= 0) {  // the authors' nan_to_num: no weight anywhere
            std::fill(m, m + count, 0.0);
            if (dm) std::fill(dm, dm + count, 0.0);
            return;
        }
        const double inv = 1.0 / sum;
        for (std::size_t b = 0; b < count; ++b) {
            m[b] *= inv;
            if (dm) dm[b] = (dm[b] - m[b] * dsum) * inv;
        }
    }

private:
    double lo_, hi_, fraction_, inv_fraction_, width_ = 0;
    std::vector<double> centres_;
};

// The edges of a source over a batch: [min - padding, max + padding] of all its values.
inline soft_axis soft_axis_of(const float* x, std::size_t size, std::size_t count, double fraction, double padding) {
    if (size == 0) return soft_axis(-padding, padding, count, fraction);
    const auto [mn, mx] = std::minmax_element(x, x + size);
    return soft_axis(static_cast<double>(*mn) - padding, static_cast<double>(*mx) + padding, count, fraction);
}

// One neuron's joint distribution p[a][b][t] (flat, t fastest) and its goal.
class soft_pid {
public:
    soft_pid(std::size_t a, std::size_t b) : na_(a), nb_(b), p_(a * b * 2, 0.0), g_(a * b * 2, 0.0) {}

    std::size_t sources_a() const { return na_; }
    std::size_t sources_b() const { return nb_; }
    std::vector<double>& p() { return p_; }
    const std::vector<double>& p() const { return p_; }
    // dG/dp(a, b, t) after evaluate (source unions held fixed).
    const std::vector<double>& gradient() const { return g_; }
    // Atoms in the authors' order: unique 1, unique 2, redundancy, synergy, H_res.
    const std::array<double, 5>& atoms() const { return atoms_; }
    double value() const { return value_; }

    std::size_t at(std::size_t a, std::size_t b, std::size_t t) const { return (a * nb_ + b) * 2 + t; }

    // G of p_ and dG/dp with the source unions Q taken from `frozen` (the same layout; pass
    // p() itself for the authors' gradient, whose Q is p's own but constant).
    void evaluate(const std::array<double, 5>& gamma, const std::vector<double>& frozen) {
        marginals(p_, pt_, pa_, pb_, pab_, pat_, pbt_);
        marginals(frozen, qt_, qa_, qb_, qab_, qat_, qbt_);
        std::array<double, 4> isx{};
        std::array<std::vector<double>*, 4> sums{&s1_, &s2_, &su_, &s12_};
        for (auto* s : sums) s->assign(p_.size(), 0.0);
        std::fill(g_.begin(), g_.end(), 0.0);
        direct_.assign(4 * p_.size(), 0.0);
        const double ln2 = std::log(2.0);
        // The terms of each antichain: value, the direct part of the gradient, and the sums
        // that spread each active term's 1/U over the entries U depends on.
        std::array<std::array<double, 2>, 4> pt_sums{};
        for (std::size_t a = 0; a < na_; ++a)
            for (std::size_t b = 0; b < nb_; ++b)
                for (std::size_t t = 0; t < 2; ++t) {
                    const std::size_t e = at(a, b, t);
                    const double p = p_[e];
                    const std::array<double, 4> u{pat_[a * 2 + t], pbt_[b * 2 + t],
                                                  pat_[a * 2 + t] + pbt_[b * 2 + t] - p, p};
                    const std::array<double, 4> q{qa_[a], qb_[b], qa_[a] + qb_[b] - qab_[a * nb_ + b],
                                                  qab_[a * nb_ + b]};
                    for (std::size_t k = 0; k < 4; ++k) {
                        const double frac = u[k] / (q[k] * pt_[t] + 1e-10);
                        if (!(frac >= 1e-7)) continue;  // dropped, value and gradient
                        const double l = std::log2(frac);
                        isx[k] += p * l;
                        direct_[k * p_.size() + e] = l;
                        pt_sums[k][t] += p;
                        if (p > 0 && u[k] > 0) spread(k, a, b, t, p / u[k]);
                    }
                }
        const double h = entropy(pt_);
        atoms_ = {isx[0] - isx[2], isx[1] - isx[2], isx[2], isx[3] - isx[0] - isx[1] + isx[2], h - isx[3]};
        value_ = 0;
        for (std::size_t i = 0; i < 5; ++i) value_ += gamma[i] * atoms_[i];
        // G = c1 I1 + c2 I2 + cu Iu + c12 I12 + gamma_res H(T)
        const std::array<double, 4> c{gamma[0] - gamma[3], gamma[1] - gamma[3],
                                      -gamma[0] - gamma[1] + gamma[2] + gamma[3], gamma[3] - gamma[4]};
        for (std::size_t a = 0; a < na_; ++a)
            for (std::size_t b = 0; b < nb_; ++b)
                for (std::size_t t = 0; t < 2; ++t) {
                    const std::size_t e = at(a, b, t);
                    double g = 0;
                    for (std::size_t k = 0; k < 4; ++k) {
                        const double through_u = (*sums[k])[e];
                        const double through_pt = pt_[t] > 0 ? pt_sums[k][t] / pt_[t] : 0.0;
                        g += c[k] * (direct_[k * p_.size() + e] + (through_u - through_pt) / ln2);
                    }
                    g += gamma[4] * -(std::log2(pt_[t] + 1e-10) + pt_[t] / (pt_[t] + 1e-10) / ln2);
                    g_[e] = g;
                }
    }

private:
    // An active term of antichain k at (a, b, t) adds w = p / U to the derivative of every
    // entry that U(a, b, t) depends on (coefficient dU/dp of that entry).
    void spread(std::size_t k, std::size_t a, std::size_t b, std::size_t t, double w) {
        switch (k) {
            case 0:  // U = p(a, t): every (a, b', t)
                for (std::size_t bb = 0; bb < nb_; ++bb) s1_[at(a, bb, t)] += w;
                break;
            case 1:  // U = p(b, t): every (a', b, t)
                for (std::size_t aa = 0; aa < na_; ++aa) s2_[at(aa, b, t)] += w;
                break;
            case 2:  // U = p(a, t) + p(b, t) - p(a, b, t)
                for (std::size_t bb = 0; bb < nb_; ++bb) su_[at(a, bb, t)] += w;
                for (std::size_t aa = 0; aa < na_; ++aa) su_[at(aa, b, t)] += w;
                su_[at(a, b, t)] -= w;
                break;
            default:  // U = p(a, b, t)
                s12_[at(a, b, t)] += w;
        }
    }

    static double entropy(const std::array<double, 2>& pt) {
        double h = 0;
        for (double x : pt) h -= x * std::log2(x + 1e-10);
        return h;
    }

    void marginals(const std::vector<double>& p, std::array<double, 2>& pt, std::vector<double>& pa,
                   std::vector<double>& pb, std::vector<double>& pab, std::vector<double>& pat,
                   std::vector<double>& pbt) const {
        pt = {0, 0};
        pa.assign(na_, 0.0);
        pb.assign(nb_, 0.0);
        pab.assign(na_ * nb_, 0.0);
        pat.assign(na_ * 2, 0.0);
        pbt.assign(nb_ * 2, 0.0);
        for (std::size_t a = 0; a < na_; ++a)
            for (std::size_t b = 0; b < nb_; ++b)
                for (std::size_t t = 0; t < 2; ++t) {
                    const double x = p[at(a, b, t)];
                    pt[t] += x;
                    pa[a] += x;
                    pb[b] += x;
                    pab[a * nb_ + b] += x;
                    pat[a * 2 + t] += x;
                    pbt[b * 2 + t] += x;
                }
    }

    std::size_t na_, nb_;
    std::vector<double> p_, g_;
    std::array<double, 5> atoms_{};
    double value_ = 0;
    std::array<double, 2> pt_{}, qt_{};
    std::vector<double> pa_, pb_, pab_, pat_, pbt_, qa_, qb_, qab_, qat_, qbt_;
    std::vector<double> s1_, s2_, su_, s12_, direct_;
};

// The settings of the estimator (conf/binning/marginal.yaml): bins per source, sigma
// fraction per source, padding of the edges.
struct soft_settings {
    std::array<std::size_t, 2> bins{10, 10};
    std::array<double, 2> fraction{1e-5, 0.5};
    double padding = 1.0;
};

// Every neuron's goal on a batch: drives r1 (source 1), r2 (source 2) and theta, all
// [P x N] row-major. Writes dG/dtheta into dtheta and dG/dr2 through the memberships of
// source 2 into dr2 (both [P x N]) and each neuron's atoms (authors' order, H_res last).
// Neurons are cut into blocks fixed by N alone, so any thread count gives the same bits.
inline void soft_goal_gradients(const soft_settings& s, const std::array<double, 5>& gamma, const float* r1,
                                const float* r2, const float* theta, std::size_t samples, std::size_t neurons,
                                float* dtheta, float* dr2, std::vector<std::array<double, 5>>& atoms,
                                std::size_t threads) {
    atoms.assign(neurons, {});
    if (samples == 0 || neurons == 0) return;
    const soft_axis x1 = soft_axis_of(r1, samples * neurons, s.bins[0], s.fraction[0], s.padding);
    const soft_axis x2 = soft_axis_of(r2, samples * neurons, s.bins[1], s.fraction[1], s.padding);
    const std::size_t na = s.bins[0], nb = s.bins[1];
    const double inv = 1.0 / static_cast<double>(samples);
    const std::size_t blocks = (neurons + 15) / 16;
    parallel_blocks(threads, blocks, [&](std::size_t blk) {
        const std::size_t i0 = block_begin(neurons, blocks, blk), i1 = block_begin(neurons, blocks, blk + 1);
        soft_pid pid(na, nb);
        std::vector<double> m1(samples * na), m2(samples * nb), dm2(samples * nb), h(nb);
        for (std::size_t i = i0; i < i1; ++i) {
            auto& p = pid.p();
            std::fill(p.begin(), p.end(), 0.0);
            for (std::size_t k = 0; k < samples; ++k) {
                const std::size_t e = k * neurons + i;
                double* a1 = &m1[k * na];
                double* a2 = &m2[k * nb];
                x1.members(r1[e], a1, nullptr);
                x2.members(r2[e], a2, &dm2[k * nb]);
                const double th = theta[e];
                for (std::size_t a = 0; a < na; ++a) {
                    if (a1[a] == 0) continue;
                    for (std::size_t b = 0; b < nb; ++b) {
                        const double w = a1[a] * a2[b] * inv;
                        p[pid.at(a, b, 0)] += w * (1 - th);
                        p[pid.at(a, b, 1)] += w * th;
                    }
                }
            }
            pid.evaluate(gamma, p);
            atoms[i] = pid.atoms();
            const auto& g = pid.gradient();
            for (std::size_t k = 0; k < samples; ++k) {
                const std::size_t e = k * neurons + i;
                const double* a1 = &m1[k * na];
                const double* a2 = &m2[k * nb];
                const double th = theta[e];
                double dth = 0;
                std::fill(h.begin(), h.end(), 0.0);
                for (std::size_t a = 0; a < na; ++a) {
                    if (a1[a] == 0) continue;
                    for (std::size_t b = 0; b < nb; ++b) {
                        const double g0 = g[pid.at(a, b, 0)], g1 = g[pid.at(a, b, 1)];
                        dth += a1[a] * a2[b] * (g1 - g0);
                        h[b] += a1[a] * (th * g1 + (1 - th) * g0);
                    }
                }
                double dr = 0;
                for (std::size_t b = 0; b < nb; ++b) dr += h[b] * dm2[k * nb + b];
                dtheta[e] = static_cast<float>(dth * inv);
                dr2[e] = static_cast<float>(dr * inv);
            }
        }
    });
}

}  // namespace infomorph::detail
