#pragma once
// Optimisers for parameters stored contiguously. Both *minimise*: pass -dG/dw to ascend a
// goal. Semantics of torch.optim.Adam and torch.optim.SGD (weight decay coupled: added to the
// gradient before the moments, not decoupled as AdamW).

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace infomorph::optimizer {

struct adam {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;

    struct state {
        std::vector<double> m, v;
        long long step = 0;
    };

    // One step on n parameters w with gradient g (of the loss to minimise).
    template <class Real>
    void step(Real* w, const Real* g, std::size_t n, state& s) const {
        if (s.m.size() != n) {
            if (s.step != 0) throw std::invalid_argument("infomorph: adam state belongs to a different parameter size");
            s.m.assign(n, 0.0);
            s.v.assign(n, 0.0);
        }
        ++s.step;
        const double bias1 = 1.0 - std::pow(beta1, static_cast<double>(s.step));
        const double bias2 = 1.0 - std::pow(beta2, static_cast<double>(s.step));
        const double step_size = lr / bias1;
        const double root_bias2 = std::sqrt(bias2);
        for (std::size_t i = 0; i < n; ++i) {
            const double grad = static_cast<double>(g[i]) + weight_decay * static_cast<double>(w[i]);
            s.m[i] = beta1 * s.m[i] + (1.0 - beta1) * grad;
            s.v[i] = beta2 * s.v[i] + (1.0 - beta2) * grad * grad;
            const double denom = std::sqrt(s.v[i]) / root_bias2 + eps;
            w[i] = static_cast<Real>(static_cast<double>(w[i]) - step_size * s.m[i] / denom);
        }
    }
};

struct sgd {
    double lr = 1e-2, weight_decay = 0.0;
    struct state {};
    template <class Real>
    void step(Real* w, const Real* g, std::size_t n, state&) const {
        for (std::size_t i = 0; i < n; ++i)
            w[i] = static_cast<Real>(static_cast<double>(w[i]) -
                                     lr * (static_cast<double>(g[i]) + weight_decay * static_cast<double>(w[i])));
    }
};

}  // namespace infomorph::optimizer
