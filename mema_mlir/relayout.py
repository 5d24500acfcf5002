"""Compile-time layouts of constant operands, as numpy arrays written into new globals.

A constant A is re-laid out for the tile it will be read by: in panels of mr rows, each panel
holding its rows' k-groups side by side ([group][row][group values]), so that one tile's whole
k-group is a few consecutive words and every offset fits an LDR immediate whatever K is.
Int8 A read as "pairs" is pre-expanded to int16 in SMLAD pair order and zero-padded to whole
groups; the other forms keep the K % group rest after the panel's groups ([row][rest]).
"""

from __future__ import annotations

import numpy as np

PAIR_ORDER = [0, 2, 1, 3]  # per 4 k: (k0, k2) then (k1, k3), what SXTB16 / SXTB16 ROR #8 give


def pairs_layout(a: np.ndarray) -> np.ndarray:
    """[M, K] int8 as int16 [M, Kp] in SMLAD pair order, Kp = K rounded up to 4 (zeros)."""
    m, k = a.shape
    padded = -(-k // 4) * 4
    out = np.zeros((m, padded), dtype=np.int16)
    out[:, :k] = a
    return out.reshape(m, padded // 4, 4)[:, :, PAIR_ORDER].reshape(m, padded)


def panel_layout(a: np.ndarray, mr: int, form: str) -> np.ndarray:
    """A [M, K] as the flat panel buffer the micro-kernels read (see the module docstring).

    form "pairs": int8 pre-expanded (int16 out); "bytes": int8 kept (int8 out, groups of 4);
    "halves": int16 (groups of 2)."""
    m, k = a.shape
    if form == "pairs":
        rows = pairs_layout(a)
        group = 4
    elif form in ("bytes", "halves"):
        rows = a
        group = 4 if form == "bytes" else 2
    else:
        raise ValueError(f"no panel layout for form {form!r}")
    full = (rows.shape[1] // group) * group
    pieces = []
    for start in range(0, m, mr):
        panel = rows[start:start + mr]
        height = panel.shape[0]
        groups = panel[:, :full].reshape(height, full // group, group).transpose(1, 0, 2)
        pieces.append(groups.reshape(-1))
        pieces.append(panel[:, full:].reshape(-1))
    return np.concatenate(pieces).astype(np.int16 if form in ("pairs", "halves") else np.int8)


def depthwise_layout(weights: np.ndarray) -> np.ndarray:
    """A depthwise filter [KH, KW, C] (C a multiple of 4) as int16 [C/4][KH*KW][4]: per block of
    4 channels and tap, (c0, c2, c1, c3), the order SXTB16 splits an input word into."""
    kh, kw, c = weights.shape
    taps = weights.reshape(kh * kw, c // 4, 4).astype(np.int16)
    return taps[:, :, PAIR_ORDER].transpose(1, 0, 2).reshape(-1)


def stationary_panel(a: np.ndarray, lines: int, elem: str) -> np.ndarray:
    """A [M, K] (int8 or int16) as the int16 panel the weight- and input-stationary kernels read
    (model/stationary.py): blocks of `lines` rows, each [group][row][group values], int8
    pre-expanded in SMLAD pair order. Groups are the K // group whole ones and, when K is not a
    multiple of the group, the group that ends at K with zeros where it overlaps the one before
    (B's last word is read where it ends, inside the row). Needs K >= group."""
    m, k = a.shape
    group = 4 if elem == "i8" else 2
    if k < group:
        raise ValueError(f"K = {k} is less than one group of {group}")
    whole = k // group
    groups = [a[:, g * group:(g + 1) * group].astype(np.int16) for g in range(whole)]
    rest = k % group
    if rest:
        last = a[:, k - group:].astype(np.int16)
        last[:, :group - rest] = 0
        groups.append(last)
    stacked = np.stack(groups, axis=1)  # [M, groups, group]
    if group == 4:
        stacked = stacked[:, :, PAIR_ORDER]
    pieces = [stacked[start:start + lines].transpose(1, 0, 2).reshape(-1) for start in range(0, m, lines)]
    return np.concatenate(pieces).astype(np.int16)
