/**
 * Train: load CIFAR-10, see its first images, train the tutorial model with live charts (in the
 * engine worker), then measure it on the test images and save it. Each step is its own card.
 */
import { h } from '../dom.ts';
import { msg } from '../i18n/index.ts';
import { dataCards } from './train-data.ts';
import { runCard } from './train-run.ts';
import { testCard } from './train-test.ts';

export function mountTrain(root: HTMLElement): void {
  const { data, samples } = dataCards();
  let test: ReturnType<typeof testCard> | null = null;
  const run = runCard({
    onStart: () => test?.reset(),
    onFinished: (r) => {
      if (r.outcome === 'finished') void test?.evaluate();
    },
  });
  test = testCard(run.testCount);
  root.append(
    h('div', { class: 'intro' }, h('h2', { text: msg('train.heading') }), h('p', { text: msg('train.intro') })),
    // Data and settings on the left, the sample images beside them on wide screens.
    h('div', { class: 'train-top' }, data, samples, run.card),
    test.card,
  );
}
