#!/usr/bin/env python3
"""
Prints the AssemblyScript transforms of Winograd F(m x m, 3x3) for the WASM kernels
(src/backend/wasm/assembly/winograd7.ts and winograd3.ts were written by it):

  python3 scripts/winograd-transforms.py 7     # points ±1/2, ±3/4, ±4/3, ±2 and ∞
  python3 scripts/winograd-transforms.py 3     # points ±1, ±1/2 and ∞

The matrices are Toom-Cook's over the finite points a_j and ∞ (Lavin & Gray's construction),
computed in exact rationals and rounded once to float32 in the printed code:
  Aᵀ[i][j] = a_jⁱ (column ∞: 1 in row m − 1),  G[j][k] = a_jᵏ / Π_{l≠j} (a_j − a_l) (row ∞: 0 0 1),
  Bᵀ row j = the coefficients of M(x) / (x − a_j), M(x) = Π (x − a_l) (row ∞: those of M), lowest power first.
The finite points come in pairs ±a, and each function shares the even and odd halves of a pair's
rows (bt, an, gn: outputs paired) or sums and differences of a pair's inputs (bn, outputColumn, gt).
Standard library only.
"""
import sys
from fractions import Fraction as F

POINTS = {
    7: [F(1, 2), F(-1, 2), F(3, 4), F(-3, 4), F(4, 3), F(-4, 3), F(2), F(-2)],
    3: [F(1), F(-1), F(1, 2), F(-1, 2)],
}


def polymul(p, q):
    r = [F(0)] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        for j, y in enumerate(q):
            r[i + j] += x * y
    return r


def matrices(points, m):
    n = m + 2
    assert len(points) == n - 1
    at = [[F(0)] * n for _ in range(m)]
    for i in range(m):
        for j, a in enumerate(points):
            at[i][j] = a ** i
    at[m - 1][n - 1] = F(1)
    g = [[F(0)] * 3 for _ in range(n)]
    for j, a in enumerate(points):
        den = F(1)
        for l, b in enumerate(points):
            if l != j:
                den *= a - b
        for k in range(3):
            g[j][k] = a ** k / den
    g[n - 1][2] = F(1)
    whole = [F(1)]
    for a in points:
        whole = polymul(whole, [-a, F(1)])
    bt = []
    for j in range(len(points)):
        q = [F(1)]
        for l, b in enumerate(points):
            if l != j:
                q = polymul(q, [-b, F(1)])
        bt.append(q + [F(0)] * (n - len(q)))
    bt.append(whole)
    return at, g, bt


def const(x):
    return f'f32x4.splat(<f32>{float(x)!r})'


def chain(terms):
    """Σ coefficient·value as adds, subtractions and multiply-adds (coefficients 1 and −1 need no product)."""
    terms = [(k, v) for k, v in terms if k != 0]
    acc = None
    for v in [v for k, v in terms if k == 1]:
        acc = v if acc is None else f'f32x4.add({acc}, {v})'
    rest = sorted([(k, v) for k, v in terms if k != 1], key=lambda kv: kv[0] == -1)
    for k, v in rest:
        if acc is None:
            acc = f'f32x4.mul({v}, {const(k)})'
        elif k == -1:
            acc = f'f32x4.sub({acc}, {v})'
        else:
            acc = f'madd({v}, {const(k)}, {acc})'
    return acc if acc is not None else 'f32x4.splat(0)'


def store(r, value):
    at = '' if r == 0 else ' + s' if r == 1 else f' + {r} * s'
    return f'  v128.store(p{at}, {value});'


def rows_paired(t, pairs, inputs, name, args):
    """Outputs t·inputs; the rows of each pair (j, j + 1) share their halves."""
    lines, outs, done = [], {}, set()
    for a, b in pairs:
        s = [(t[a][k] + t[b][k]) / 2 for k in range(len(inputs))]
        d = [(t[a][k] - t[b][k]) / 2 for k in range(len(inputs))]
        lines.append(f'  const e{a} = {chain(list(zip(s, inputs)))}, o{a} = {chain(list(zip(d, inputs)))};')
        outs[a], outs[b] = f'f32x4.add(e{a}, o{a})', f'f32x4.sub(e{a}, o{a})'
        done |= {a, b}
    for r in range(len(t)):
        if r in done:
            continue
        nz = [(t[r][k], inputs[k]) for k in range(len(inputs)) if t[r][k] != 0]
        if len(nz) == 1 and nz[0][0] == 1:
            outs[r] = nz[0][1]
        else:
            lines.append(f'  const r{r} = {chain(list(zip(t[r], inputs)))};')
            outs[r] = f'r{r}'
    lines += [store(r, outs[r]) for r in range(len(t))]
    return f'export function {name}({args}, p: usize, s: usize): void {{\n' + '\n'.join(lines) + '\n}\n'


def cols_paired(t, pairs, inputs, name, args):
    """Outputs t·inputs from the sums and differences of each pair of inputs (j, j + 1)."""
    lines = [f'  const s{i} = f32x4.add({inputs[a]}, {inputs[b]}), t{i} = f32x4.sub({inputs[a]}, {inputs[b]});' for i, (a, b) in enumerate(pairs)]
    paired = {x for p in pairs for x in p}
    for r in range(len(t)):
        terms = []
        for i, (a, b) in enumerate(pairs):
            terms += [((t[r][a] + t[r][b]) / 2, f's{i}'), ((t[r][a] - t[r][b]) / 2, f't{i}')]
        terms += [(t[r][k], inputs[k]) for k in range(len(inputs)) if k not in paired]
        lines.append(f'  const w{r} = {chain(terms)};')
    lines += [store(r, f'w{r}') for r in range(len(t))]
    return f'export function {name}({args}, p: usize, s: usize): void {{\n' + '\n'.join(lines) + '\n}\n'


def transpose(a):
    return [list(r) for r in zip(*a)]


def generate(m):
    points = POINTS[m]
    at, g, bt = matrices(points, m)
    n = m + 2
    pairs = [(j, j + 1) for j in range(0, len(points), 2)]
    vs = lambda p, k: [f'{p}{i}' for i in range(k)]
    args = lambda p, k: ', '.join(f'{p}{i}: v128' for i in range(k))
    inline = '// @ts-ignore: decorator\n@inline\n'
    return '\n'.join([
        f'/** Bᵀ d over {n} vectors (rows for ±a share their even and odd halves). */\n' + inline + rows_paired(bt, pairs, vs('d', n), f'bt{m}', args('d', n)),
        '/** B v (the transpose of Bᵀ, for the input gradient\'s scatter). */\n' + inline + cols_paired(transpose(bt), pairs, vs('v', n), f'bn{m}', args('v', n)),
        f'/** A y for the {m} values of a dY column (the values of the polynomial Σ y_i xⁱ at the points). */\n' + inline + rows_paired(transpose(at), pairs, vs('y', m), f'an{m}', args('y', m)),
        f'/** Aᵀ m over {n} values to p + k·s, k < {m} (may overwrite m\'s own slots: all loads come first). */\n' + inline + cols_paired(at, pairs, vs('m', n), f'outputColumn{m}', args('m', n)),
        f'/** G g for a kernel column ({n} values from three). */\n' + inline + rows_paired(g, pairs, vs('g', 3), f'gn{m}', args('g', 3)),
        f'/** Gᵀ u over {n} values to p + k·s, k < 3. */\n' + inline + cols_paired(transpose(g), pairs, vs('u', n), f'gt{m}', args('u', n)),
    ])


if __name__ == '__main__':
    if len(sys.argv) != 2 or int(sys.argv[1]) not in POINTS:
        sys.exit(f'usage: python3 scripts/winograd-transforms.py {"|".join(map(str, POINTS))}')
    print(generate(int(sys.argv[1])))
