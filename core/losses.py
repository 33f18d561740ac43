"""Loss functions: the value, the per-element terms and dE/d(pred), with formulas.

Shapes: PRED is one sample (a vector, or a single number) or one sample per
row. N is the number of samples (1 for a vector), K the outputs per sample.

=============  ==========================================  =====================
loss           value                                       reduction
=============  ==========================================  =====================
half-sse       E = ½ Σ_k (t_k − o_k)²                      sum over a sample's
                                                           outputs, mean over
                                                           samples
sse            E = Σ_k (t_k − o_k)²                        same
mse            E = mean of (t − o)² over every element     as torch MSELoss
bce            E = −[t ln o + (1−t) ln(1−o)], mean over    as torch BCELoss
               every element (o are probabilities)
cross-entropy  E = −Σ_k t_k ln(p_k + eps), sum over a      probabilities, no
               sample's outputs, mean over samples         softmax applied
=============  ==========================================  =====================

cross-entropy: ``eps`` (default 1e-7) goes inside the log, ln(p + eps), the way
much textbook code guards ln 0; ``eps=0`` gives the exact value.  With
``from_logits=True`` PRED holds scores z and a stable log-softmax is applied
first (ln p = z − max − ln Σ e^(z − max)); eps is then not used and the
gradient is (p·Σt − t)/N, i.e. (p − t)/N for one-hot targets.

bce follows torch.nn.BCELoss exactly: each log is clamped at −100 so the value
stays finite at o = 0 or 1, 0·ln 0 counts as 0, and the gradient is
(o − t) / max(o(1 − o), 1e-12) / (number of elements).

TARGET is either PRED's shape (one-hot rows or probabilities / values) or class
indices, one per row of PRED (a single index for a single vector); indices are
turned into one-hot rows (``LossResult.target`` holds what was used).
"""
import math
from dataclasses import dataclass, replace

import numpy as np

from nncalc.core import names as name_table
from nncalc.core.errors import N_, InputError, Plural, Text, shape_text, suggest

BCE_LOG_FLOOR = -100.0          # torch.nn.BCELoss clamps ln o and ln(1 − o) here
BCE_GRAD_EPS = 1e-12            # ... and its gradient divides by max(o(1−o), this)
CE_EPS = 1e-7                   # default eps inside ln(p + eps)
DISTRIBUTION_TOL = 1e-6         # |Σ_k p_k − 1| allowed for cross-entropy on probabilities


@dataclass(frozen=True)
class LossInfo:
    name: str
    title: str
    formula: str            # the value for one sample / element
    grad_formula: str       # dE/d(pred) before the reduction's division
    probabilities: bool     # PRED must lie in [0, 1]
    aliases: tuple = ()


_TABLE = (
    LossInfo("half-sse", Text("half sum of squared errors"), "E = ½ Σ_k (t_k − o_k)²",
             "∂E/∂o_k = (o_k − t_k) / N", False),
    LossInfo("sse", Text("sum of squared errors"), "E = Σ_k (t_k − o_k)²",
             "∂E/∂o_k = 2(o_k − t_k) / N", False),
    LossInfo("mse", Text("mean squared error"), Text("E = (1/n) Σ (t − o)²  (n = every element)"),
             "∂E/∂o = 2(o − t) / n", False),
    LossInfo("bce", Text("binary cross-entropy"), Text("E = −(1/n) Σ [t·ln o + (1 − t)·ln(1 − o)]  (n = "
                                                       "every element)"),
             "∂E/∂o = (o − t) / (o(1 − o)) / n", True),
    LossInfo("cross-entropy", Text("categorical cross-entropy"), "E = −Σ_k t_k·ln(p_k + ε)",
             "∂E/∂p_k = −t_k / (p_k + ε) / N", True),
)
# a new loss's name and aliases go in core/names.py too (shell completion reads them there)
_TABLE = tuple(replace(info, aliases=name_table.LOSSES.get(info.name, ())) for info in _TABLE)
name_table.check_registry(name_table.LOSSES, (info.name for info in _TABLE))
BY_NAME = {info.name: info for info in _TABLE}
_ALIASES = {alias: info.name for info in _TABLE for alias in (info.name, *info.aliases)}

# cross-entropy's formulas (value, gradient) when it works on scores or without ε
CE_FROM_LOGITS = ("E = −Σ_k t_k·ln p_k,  ln p_k = z_k − ln Σ_j e^(z_j)", "∂E/∂z_k = (p_k − t_k) / N")
CE_EXACT = ("E = −Σ_k t_k·ln p_k", "∂E/∂p_k = −t_k / p_k / N")

# The reduction sentences, kept as data so they are written (and later translated)
# in one place; a counted noun is a Plural chosen by its count.
REDUCTIONS = {
    "elements": N_("mean over all {elements}"),
    "samples": N_("summed over each sample's {outputs}, averaged over {samples}"),
    "samples_from_logits": N_("log-softmax of the scores, then summed over each sample's {outputs}, "
                              "averaged over {samples}"),
}
COUNTED = {"elements": lambda n: Plural("{n} element", "{n} elements", n),
           "outputs": lambda n: Plural("{n} output", "{n} outputs", n),
           "samples": lambda n: Plural("{n} sample", "{n} samples", n)}


def reduction_text(rule, **counts):
    """The sentence REDUCTIONS[rule], each count written with its noun ('3 outputs')."""
    return Text(REDUCTIONS[rule], **{k: COUNTED[k](n) for k, n in counts.items()})


def names():
    return [info.name for info in _TABLE]


def canonical(name):
    """The loss name for NAME (case, '_' and aliases tolerated), or None."""
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    return _ALIASES.get(key) or _ALIASES.get(key.replace("-", ""))


def get(name):
    """The LossInfo called NAME; an unknown name is an InputError (field "loss") with the closest match."""
    key = canonical(name)
    if key is None:
        raise InputError("unknown loss '{name}'{hint}; choose from {names}",
            field="loss", name=name, hint=suggest(name, _ALIASES, _ALIASES), names=", ".join(names()))
    return BY_NAME[key]


@dataclass
class LossResult:
    name: str               # canonical loss name
    value: float
    terms: np.ndarray       # per-element contributions before the reduction, PRED-shaped
    grad: np.ndarray        # dE/d(pred), PRED-shaped, includes the reduction's division
    formula: str
    grad_formula: str
    reduction_rule: str     # a key of REDUCTIONS; ``reduction`` is its sentence
    target: np.ndarray      # the (one-hot) target used, PRED-shaped
    pred: np.ndarray        # PRED as float64 (logits when from_logits)
    probs: np.ndarray = None    # softmax(pred) when from_logits, else None
    eps: float = 0.0            # the eps actually used inside the log (cross-entropy)
    from_logits: bool = False
    samples: int = 1            # N
    class_indices: np.ndarray = None   # when TARGET was given as indices

    @property
    def reduction(self):
        """How the terms became E, as a sentence ("mean over all 4 elements")."""
        outputs = self.pred.shape[-1] if self.pred.ndim else 1
        return reduction_text(self.reduction_rule, elements=self.pred.size, outputs=outputs,
                              samples=self.samples)


def samples_of(pred):
    """N, the number of samples: 1 for a vector or number, else the product of the leading axes."""
    pred = np.asarray(pred)
    return 1 if pred.ndim <= 1 else math.prod(pred.shape[:-1])


def _one_hot(idx, classes):
    idx = np.asarray(idx, dtype=np.float64)
    if not np.all(np.isfinite(idx)) or np.any(idx != np.round(idx)):
        raise InputError("class indices must be whole numbers, got {got}",
                         field="target", code="class_index", got=idx.tolist())
    if idx.size and (idx.min() < 0 or idx.max() >= classes):
        bad = idx[(idx < 0) | (idx >= classes)].ravel()[0]
        raise InputError("class index {bad} is out of range: there are {k} outputs (indices 0 to {last})",
                         field="target", code="class_index", bad=int(bad), k=classes, last=classes - 1)
    return np.eye(classes)[idx.astype(np.int64)]


def prepare_target(pred, target):
    """TARGET as an array of PRED's shape, and the class indices if it was given as indices.

    Same shape -> used as is; N values for N×1 predictions, or K values for a
    1×K prediction (and the reverse) -> reshaped; one value per row of PRED (or one for a vector, or
    an N×1 column when K > 1) -> class indices. Errors name the field "target";
    those about the indices themselves have code "class_index", a shape that fits
    neither reading has code "target_shape".
    """
    pred = np.asarray(pred, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if t.shape == pred.shape:
        return t, None
    if ((pred.ndim and pred.shape[-1] == 1 and t.shape == pred.shape[:-1])     # N×1 vs N
            or t.shape == (1,) + pred.shape or pred.shape == (1,) + t.shape):   # 1×K vs K
        return t.reshape(pred.shape), None
    if pred.ndim >= 1:
        rows = pred.shape[:-1]
        if (t.shape == rows or (pred.ndim == 1 and t.shape == (1,))
                or (t.shape == rows + (1,) and pred.shape[-1] != 1)):     # a column of indices
            return _one_hot(t, pred.shape[-1]).reshape(pred.shape), t.astype(np.int64) + 0
    rows = "" if pred.ndim <= 1 else Text(", {n} of them", n=pred.size // max(pred.shape[-1], 1))
    raise InputError("target shape {got} does not match prediction shape {want} (give the same shape, or "
                     "one class index per row{rows})",
                     field="target", code="target_shape", got=shape_text(t.shape), want=shape_text(pred.shape), rows=rows)


def check_probabilities(x, what, field):
    """Refuse values outside [0, 1] (or nan) in X; the message calls them WHAT, the error names FIELD."""
    if np.isnan(x).any() or (x.size and (x.min() < 0 or x.max() > 1)):
        bad = x[np.isnan(x) | (x < 0) | (x > 1)].ravel()[0]
        raise InputError("{what} must be probabilities in [0, 1], got {bad:g}",
                         field=field, what=what, bad=bad)


def _check_distribution(p):
    """Categorical cross-entropy takes one probability distribution per row of PRED."""
    sums = p.reshape(-1, p.shape[-1] if p.ndim else 1).sum(axis=-1)
    off = np.flatnonzero(np.abs(sums - 1.0) > DISTRIBUTION_TOL)
    if off.size:
        i = int(off[0])
        row = p.reshape(sums.size, -1)[i]
        values = " ".join("{:.10g}".format(v) for v in row[:6]) + (" …" if row.size > 6 else "")
        which = (Text("the prediction ({values})", values=values) if p.ndim <= 1 else
                 Text("row {i} of the prediction ({values})", i=i + 1, values=values))
        raise InputError("{which} sums to {total:.10g}, not 1 (beyond {tol:g}): cross-entropy takes a "
                         "probability distribution per row, as softmax gives",
                         field="pred", code="not_distribution", which=which, total=sums[i], tol=DISTRIBUTION_TOL)


def compute(name, pred, target, eps=CE_EPS, from_logits=False):
    """Evaluate loss NAME on PRED against TARGET; see the module docstring.

    Errors name the fields loss, pred, target, eps and from_logits.
    """
    info = get(name)
    o = np.array(pred, dtype=np.float64)          # a copy: inputs are never touched
    if o.size == 0:
        raise InputError("the prediction is empty", field="pred")
    t, idx = prepare_target(o, target)
    if from_logits and info.name != "cross-entropy":
        raise InputError("from_logits applies to cross-entropy only, not {name}",
                         field="from_logits", name=info.name)
    if info.probabilities and not from_logits:
        try:
            check_probabilities(o, Text("{name} predictions", name=info.name), "pred")
        except InputError as exc:
            if info.name == "cross-entropy":
                exc.code = "logits"             # values outside [0, 1] look like scores
            raise
    if info.name == "cross-entropy" and not from_logits:
        _check_distribution(o)
    if info.probabilities:
        check_probabilities(t, Text("{name} targets", name=info.name), "target")
    if eps is None or not np.isfinite(eps) or eps < 0:
        raise InputError("eps must be a number ≥ 0, got {eps}", field="eps", eps=eps)
    if from_logits and not np.all(np.isfinite(o)):
        raise InputError("scores must be finite numbers", field="pred")
    res = evaluate(info.name, o, t.copy(), eps, from_logits, idx)
    bad = np.isnan(res.terms) | np.isnan(res.grad)
    if (bad.any() or np.isnan(res.value)) and not (np.isnan(o).any() or np.isnan(t).any()):
        where = ", ".join(str(int(i)) for i in np.argwhere(bad)[0]) if bad.any() else ""
        raise InputError("the term at ({where}) is undefined (nan): inf − inf or inf·0 between the "
                         "prediction and the target; inf is accepted only where the loss has a value", field="pred", where=where)
    return res


def softmax_ce_grad(p, t):
    """∂E/∂z of cross-entropy after softmax, for N×K probabilities P = softmax(z): (p·Σt − t)/N
    ((p − t)/N for one-hot rows). The one formula for this gradient in nncalc."""
    return (p * t.sum(axis=1, keepdims=True) - t) / t.shape[0]


def value_and_grad(name, o, t, z=None):
    """(E, ∂E/∂o) for N×K float64 outputs O and targets T, without records: the per-step path of
    training. The operations are evaluate()'s, so both give the same bits. cross-entropy takes the
    scores Z and O = softmax(Z), and returns ∂E/∂z (see softmax_ce_grad) instead of ∂E/∂o."""
    n = o.shape[0]
    if name in ("half-sse", "sse", "mse"):
        d = o - t
        sq = d * d
        if name == "half-sse":        # np.add.reduce is what .sum() calls, without its Python wrapper
            return np.add.reduce(0.5 * sq, axis=None) / n, d if n == 1 else d / n     # x/1 is x
        if name == "sse":
            return np.add.reduce(sq, axis=None) / n, 2.0 * d / n
        return np.add.reduce(sq, axis=None) / o.size, 2.0 * d / o.size
    if name == "bce":
        log_o = np.maximum(np.log(o), BCE_LOG_FLOOR)
        log_1mo = np.maximum(np.log1p(-o), BCE_LOG_FLOOR)
        value = (-(t * log_o + (1.0 - t) * log_1mo)).sum() / o.size
        return value, (o - t) / np.maximum(o * (1.0 - o), BCE_GRAD_EPS) / o.size
    shifted = z - z.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return np.where(t == 0, 0.0, -t * logp).sum() / n, softmax_ce_grad(o, t)


def evaluate(name, o, t, eps=CE_EPS, from_logits=False, class_indices=None):
    """compute() without the checks: O and T are float64 arrays of one shape, already valid."""
    info = BY_NAME[name]
    n = samples_of(o)
    k = o.shape[-1] if o.ndim else 1
    size = o.size
    probs = None
    used_eps = 0.0
    formula, grad_formula = info.formula, info.grad_formula
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if info.name in ("half-sse", "sse", "mse"):
            d = o - t
            terms = d * d
            if info.name == "half-sse":
                terms = 0.5 * terms
                grad = d / n
                value = terms.sum() / n
            elif info.name == "sse":
                grad = 2.0 * d / n
                value = terms.sum() / n
            else:
                grad = 2.0 * d / size
                value = terms.sum() / size
        elif info.name == "bce":
            log_o = np.maximum(np.log(o), BCE_LOG_FLOOR)
            log_1mo = np.maximum(np.log1p(-o), BCE_LOG_FLOOR)
            terms = -(t * log_o + (1.0 - t) * log_1mo)
            value = terms.sum() / size
            grad = (o - t) / np.maximum(o * (1.0 - o), BCE_GRAD_EPS) / size
        else:   # cross-entropy
            if from_logits:
                z = o.reshape(-1, k)
                shifted = z - z.max(axis=-1, keepdims=True)
                lse = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
                logp = (shifted - lse).reshape(o.shape)
                probs = np.exp(logp)
                terms = np.where(t == 0, 0.0, -t * logp)
                grad = softmax_ce_grad(probs.reshape(-1, k), t.reshape(-1, k)).reshape(o.shape)
                formula, grad_formula = CE_FROM_LOGITS
            else:
                used_eps = float(eps)
                pe = o + used_eps
                terms = np.where(t == 0, 0.0, -t * np.log(pe))
                grad = np.where(t == 0, 0.0, -t / pe) / n
                if used_eps == 0:
                    formula, grad_formula = CE_EXACT
            value = terms.sum() / n
    rule = "elements" if info.name in ("mse", "bce") else \
        "samples_from_logits" if from_logits else "samples"
    return LossResult(info.name, float(value), terms, grad, formula, grad_formula, rule, t, o, probs,
                      used_eps, bool(from_logits), n, class_indices)
