/** Words for things the data names: CIFAR-10's classes have catalogue entries; other names show as they are. */
import { msg, type Text } from '../i18n/index.ts';

export const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

/** A class's name in the page's language. */
export function classLabel(name: string): Text {
  return (CIFAR10_NAMES as readonly string[]).includes(name) ? msg(`class.${name as (typeof CIFAR10_NAMES)[number]}`) : name;
}
