/**
 * Muon (SGD's paramGroup option `orthogonalize`): three steps against PyTorch on the same numbers
 * (airbench's Muon in float64: Nesterov buffer, weight normalisation, quintic Newton–Schulz), on
 * both backends; per-group learning rates and momentum; and the refusals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { newtonSchulz } from '../src/optimizers/optimizer.js';

// bench-free golden values: PyTorch 1.13, float64, the Muon step of airbench94_muon.py with
// momentum 0.6, lr 0.1 (script: p and gradients sin(1.3 i + k), weights [units, fan-in] there).
const TORCH: Record<string, { p: number[]; buf: number[] }> = {"dense": {"p": [-0.11175245584808922, 0.9631104272466487, 0.6270142780973189, -0.6253259279277406, -0.9518071229422618, 0.11611134700054579, 1.0196410393214455, 0.418784648576513, -0.7955922334410899, -0.8550548103355392, 0.3437885131326716, 1.038980859450711, 0.22178277804716381, -0.9179190235684087, -0.7128673052006781], "buf": [0.9896280186861189, -0.7423594768517845, -1.3867885996385472, 0.00043082494529889104, 1.3870190899749661, 0.7416211387511907, -0.9902535181766143, -1.2714044510584326, 0.31005511544417974, 1.4372832114391907, 0.4588880354793581, -1.1917791875180583, -1.0964871087598427, 0.6051611531276229, 1.42024690794133]}, "conv": {"p": [-0.06339648356437917, 0.3990497397737785, 0.2768871594692438, -0.25091575813535527, -0.41257007988342903, 0.03140172598719746, 0.42936992972016, 0.1983101805063303, -0.3231954374458507, -0.36962527550856206, 0.12544678098868844, 0.4367390094469602, 0.10972517882023057, -0.3777529334067126, -0.3118221132118234, 0.21092883335989535, 0.42601158852323606, 0.015658181641232338, -0.41763449802839614, -0.23909165967285878, 0.2894618839603531, 0.3924251716890429, -0.07951533646111177, -0.43496569041111954, -0.15477615184035182, 0.35205728870722564, 0.34312597651621757, -0.16848569512971734, -0.4344922988742022, -0.06253575366474945, 0.4010358171692493, 0.2770889763233094, -0.2523576193080275, -0.41065537499576726, 0.03265795574851025, 0.42812730481176686, 0.1980247953232351, -0.32226202502449813, -0.3704342237317149, 0.12408058316311518, 0.43791345518758706, 0.10868511249377312, -0.3797671746255555, -0.31185966121858427, 0.21231471336103777, 0.4241035992754783, 0.014579718682286913, -0.4163034839371011], "buf": [0.9896280186861189, -0.7423594768517845, -1.3867885996385472, 0.00043082494529889104, 1.3870190899749661, 0.7416211387511907, -0.9902535181766143, -1.2714044510584326, 0.31005511544417974, 1.4372832114391907, 0.4588880354793581, -1.1917791875180583, -1.0964871087598427, 0.6051611531276229, 1.42024690794133, 0.1546676153363759, -1.3375000960840526, -0.8702270333118884, 0.871930671987294, 1.3367079001087903, -0.15679507700262507, -1.4205928989733982, -0.6032187958529549, 1.0978722563834005, 1.1905778809769376, -0.4609158792880482, -1.437166796584989, -0.30796498996122035, 1.2724062484409686, 0.9886993519463496, -0.7434544114258936, -1.386445720330768, 0.001709199145789153, 1.3873601378695377, 0.7405252243753044, -0.991180877694829, -1.2708046718522195, 0.3113033554325855, 1.4373512377024618, 0.4576761893824313, -1.1924955486041293, -1.0956585141657098, 0.6063208103803625, 1.4200387272606283, 0.1533965819071712, -1.337971915310258, -0.8692084220633497, 0.8729474458451109]}, "wide": {"p": [-0.1450761297070082, 0.9676889606888716, 0.6627874566214433, -0.6130992241422606, -0.9907941051988393, 0.08302669904458888, 1.0255590054757722, 0.48072997486513414, -0.7683695951534709, -0.891805908173737, 0.2912555235595484, 1.0476269309389779], "buf": [0.9896280186861189, -0.7423594768517845, -1.3867885996385472, 0.00043082494529889104, 1.3870190899749661, 0.7416211387511907, -0.9902535181766143, -1.2714044510584326, 0.31005511544417974, 1.4372832114391907, 0.4588880354793581, -1.1917791875180583]}};

const seq = (n: number, k: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + k));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

for (const backend of ['reference', 'wasm']) {
  test(`orthogonalize: three Muon steps equal PyTorch's (dense, conv filters, a wide matrix; Nesterov and not) on ${backend}`, () => {
    ck.setBackendSync(backend);
    const cases: [string, number[], number, boolean, boolean][] = [
      ['dense', [5, 3], 5, false, true], ['conv', [2, 2, 3, 4], 3, true, true], ['wide', [2, 6], 5, true, false],
    ];
    for (const [name, shape, steps, normalizeWeights, nesterov] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const p = ck.tensor(seq(n, 0), shape);
      const opt = new ck.SGD({ learningRate: 0.1, momentum: 0.6, nesterov });
      opt.paramGroup([p], { orthogonalize: true, newtonSchulzSteps: steps, normalizeWeights });
      for (let k = 0; k < 3; k++) opt.applyGradients([p], [ck.tensor(seq(n, 1 + k), shape)]);
      close(p.dataSync(), TORCH[name].p, 2e-5, `${name} p`);
      close(opt.getWeights([p])[0].dataSync(), TORCH[name].buf, 2e-5, `${name} buffer`);
    }
  });
}

test('newtonSchulz: singular values of the result land near 1 whatever the input scale', () => {
  ck.setBackendSync('reference');
  // Columns of different scales (1e-3 to 10): the Gram matrix of the result is near the identity.
  const m = ck.tensor(Array.from({ length: 24 }, (_, i) => Math.sin(0.7 * i) * 10 ** ((i % 3) - 2 + (i % 4 === 0 ? 1 : 0))), [8, 3]);
  const x = newtonSchulz(m, 5);
  const gram = ck.matMul(x, x, true, false).dataSync();
  for (let i = 0; i < 3; i++) {
    assert.ok(gram[i * 3 + i] > 0.3 && gram[i * 3 + i] < 1.6, `diagonal ${i}: ${gram[i * 3 + i]}`);
    for (let j = 0; j < 3; j++) if (i !== j) assert.ok(Math.abs(gram[i * 3 + j]) < 0.35, `off-diagonal ${i},${j}: ${gram[i * 3 + j]}`);
  }
});

test('paramGroup learningRate and momentum: a group with its own schedule and momentum steps as an SGD made with them', () => {
  ck.setBackendSync('reference');
  const schedule = ck.train.schedules.piecewiseLinear([0, 3], [0.5, 0.1]);
  const a = ck.tensor([1, -2]), b = ck.tensor([1, -2]);
  const grouped = new ck.SGD({ learningRate: 0.01, momentum: 0.9, nesterov: true });
  grouped.paramGroup([a], { learningRate: schedule, momentum: 0.3, learningRateScale: 2 });
  const plain = new ck.SGD({ learningRate: ck.train.schedules.piecewiseLinear([0, 3], [1, 0.2]), momentum: 0.3, nesterov: true });
  for (const g of [[0.3, 0.1], [0.2, -0.4], [-0.1, 0.05]]) {
    grouped.applyGradients([a], [ck.tensor(g)]);
    plain.applyGradients([b], [ck.tensor(g)]);
  }
  close(a.dataSync(), b.dataSync(), 1e-7, 'grouped vs plain');
  assert.notDeepEqual(Array.from(a.dataSync()), [1, -2]);
});

test('paramGroup refuses what it cannot apply: Muon options outside SGD, group momentum without slots, vectors to orthogonalize', () => {
  ck.setBackendSync('reference');
  const v = ck.tensor([1, 2]);
  assert.throws(() => new ck.Adam().paramGroup([v], { orthogonalize: true }), /orthogonalize is applied by SGD only/);
  assert.throws(() => new ck.SGD().paramGroup([v], { momentum: 0.5 }), /needs the optimizer created with momentum/);
  assert.throws(() => new ck.SGD({ momentum: 0.5 }).paramGroup([v], { newtonSchulzSteps: 0 }), /newtonSchulzSteps must be an integer/);
  assert.throws(() => new ck.SGD({ momentum: 0.5 }).paramGroup([v], { learningRate: -1 }), /learningRate must be a non-negative number or a schedule/);
  const opt = new ck.SGD({ momentum: 0.5 });
  opt.paramGroup([v], { orthogonalize: true });
  assert.throws(() => opt.applyGradients([v], [ck.tensor([0.1, 0.2])]), /orthogonalize applies to matrices and filters \(rank 2 to 4\)\. Received a parameter of shape \[2\]/);
});
