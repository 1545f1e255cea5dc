/**
 * The `cnnkit` program: `tutorial`, `train`, `explain`, `summary`, `evaluate`, `export`, `predict`.
 * Bad arguments and bad files end with a one-line error and a non-zero exit status (2 for usage,
 * 1 otherwise); set CNNKIT_DEBUG=1 to see stack traces.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DataError, ShapeError, StateError, ValueError } from '../errors.js';
import { nonNegativeInt, oneLine, positiveInt, processIo, thousands, type Io } from './common.js';
import { parseLang, type CliLang } from './explain-text.js';

const USAGE_EXIT = 2;

/** `--image-size`: N or HxW, sides 8 to 1024. */
function parseSize(value: string): [number, number] {
  const m = /^\s*(\d+)\s*(?:x\s*(\d+)\s*)?$/i.exec(value);
  const dims = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [];
  if (dims.length !== 2 || dims.some((d) => !Number.isSafeInteger(d) || d < 8 || d > 1024)) throw new InvalidArgumentError('expected N or HxW, sides from 8 to 1024 pixels.');
  return [dims[0], dims[1]];
}

/** `--validation-split`: a fraction strictly between 0 and 1. */
function fraction(value: string): number {
  const n = Number(value);
  if (!/^\s*[\d.eE+-]+\s*$/.test(value) || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a fraction between 0 and 1 (exclusive), e.g. 0.2.');
  return n;
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the command-line program; actions write through `io`. */
export function buildProgram(io: Io): Command {
  const program = new Command('cnnkit');
  program
    .description('Keras-style convolutional networks in TypeScript: the CIFAR-10 tutorial, end to end.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: (s, write) => write(`cnnkit: ${oneLine(s.replace(/^error: /, ''))} (see 'cnnkit --help')\n`),
    })
    .exitOverride();
  program.configureHelp({ sortSubcommands: false, showGlobalOptions: false });

  program.command('tutorial')
    .description('Train the tutorial CNN on CIFAR-10 and write pictures, history, the model and report.html')
    .option('--data <path>', 'CIFAR-10 archive (.tar.gz) or its extracted folder (default: CNNKIT_DATA, the caches, else download)')
    .option('--out <dir>', 'output folder', './cnnkit-run')
    .option('--epochs <n>', 'training epochs', positiveInt, 10)
    .option('--batch-size <n>', 'samples per batch', positiveInt, 32)
    .option('--seed <n>', 'random seed for weights and shuffling (reproducible runs)', nonNegativeInt)
    .option('--limit <n>', 'use only N training and N/5 test images (quick runs)', positiveInt)
    .option('--threads <n>', 'worker threads for the backend (default: all cores)', positiveInt)
    .option('--resume', 'go on from the backup of an interrupted run in --out (same options), instead of starting afresh')
    .addOption(new Option('--no-preview', 'do not show sample images in the terminal'))
    .action(async (o: { data?: string; out: string; epochs: number; batchSize: number; seed?: number; limit?: number; threads?: number; preview: boolean; resume?: boolean }) => {
      const { runTutorial } = await import('./tutorial.js');
      if (o.limit !== undefined && o.limit < 5) throw new CommanderError(USAGE_EXIT, 'cnnkit.limit', `error: option '--limit <n>' must be at least 5 (N/5 test images). Received ${o.limit}`);
      await runTutorial(io, { ...o, preview: o.preview ? undefined : false });
    });

  program.command('train')
    .description('Train a recipe on your own images (a folder with one subfolder per class) or CIFAR-10, and write the same report as the tutorial')
    .requiredOption('--data <path>', 'image folder with one subfolder of images per class (photos/cats, photos/dogs, ...), or a CIFAR-10 archive or its extracted folder')
    .option('--recipe <name>', 'how to build and train the network (see ck.recipes; e.g. tutorial, fast)', 'tutorial')
    .option('--image-size <n>', 'images are resized to N x N pixels (or HxW) (default: 32)', parseSize)
    .option('--epochs <n>', "training epochs (default: the recipe's)", positiveInt)
    .option('--batch-size <n>', "samples per batch (default: the recipe's)", positiveInt)
    .option('--validation-split <fraction>', 'fraction of an image folder held out for validation (default: 0.2)', fraction)
    .option('--seed <n>', 'random seed for weights, shuffling and the validation split (reproducible runs)', nonNegativeInt)
    .option('--out <dir>', 'output folder', './cnnkit-train')
    .option('--threads <n>', 'worker threads for the backend (default: all cores)', positiveInt)
    .option('--resume', 'go on from the backup of an interrupted run in --out (same options), instead of starting afresh')
    .addOption(new Option('--no-preview', 'do not show sample images in the terminal'))
    .action(async (o: { data: string; recipe: string; imageSize?: [number, number]; epochs?: number; batchSize?: number; validationSplit?: number; seed?: number; out: string; threads?: number; preview: boolean; resume?: boolean }) => {
      const { runTrain } = await import('./train.js');
      await runTrain(io, { ...o, preview: o.preview ? undefined : false });
    });

  program.command('explain')
    .description("Print the tutorial's worked example (convolution 'same' and 'valid', max pooling, parameter counts)")
    .option('--lang <lang>', 'language of the text: en or ko (default: from LC_ALL, LC_MESSAGES or LANG)', parseLang)
    .action(async (o: { lang?: CliLang }) => (await import('./explain.js')).runExplain(io, o));

  program.command('summary')
    .description("Print the tutorial model's summary")
    .action(async () => (await import('./explain.js')).runSummary(io));

  program.command('evaluate')
    .description('Evaluate a saved model on the CIFAR-10 test set')
    .requiredOption('--model <dir>', 'model folder written by `cnnkit tutorial` (its model/ folder)')
    .option('--data <path>', 'CIFAR-10 archive (.tar.gz) or its extracted folder')
    .option('--batch-size <n>', 'samples per batch', positiveInt, 32)
    .option('--limit <n>', 'use only the first N test images (class-balanced)', positiveInt)
    .action(async (o: { model: string; data?: string; batchSize: number; limit?: number }) =>
      (await import('./model-io.js')).runEvaluate(io, o));

  program.command('export')
    .description('Convert a saved model to ONNX (opset 13), for onnxruntime and other ONNX tools')
    .requiredOption('--model <dir>', 'model folder written by `cnnkit tutorial` (its model/ folder)')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .action(async (o: { model: string; onnx: string }) => {
      const { exportOnnxFile } = await import('../io/onnx/node.js');
      const bytes = await exportOnnxFile(o.model, o.onnx);
      io.out(`Wrote ${o.onnx} (${thousands(bytes)} bytes)\n`);
    });

  program.command('predict')
    .description('Classify your own JPEG or PNG images with a saved model (top classes with probabilities)')
    .argument('<images...>', 'JPEG or PNG files; each is center-cropped and resized to 32x32')
    .requiredOption('--model <dir>', 'model folder written by `cnnkit tutorial` (its model/ folder)')
    .option('--top <k>', 'how many classes to show', positiveInt, 3)
    .action(async (images: string[], o: { model: string; top: number }) => {
      await (await import('./model-io.js')).runPredict(io, images, o);
    });

  for (const cmd of program.commands) {
    cmd.configureOutput({
      outputError: (s, write) => write(`cnnkit ${cmd.name()}: ${oneLine(s.replace(/^error: /, ''))} (see 'cnnkit ${cmd.name()} --help')\n`),
    });
  }
  return program;
}

/** Runs the program on `argv` (user arguments only); resolves to the exit status. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return USAGE_EXIT;
  }
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.code === 'cnnkit.limit') io.err(`cnnkit tutorial: ${oneLine(e.message.replace(/^error: /, ''))}\n`);
      return e.exitCode === 1 ? USAGE_EXIT : e.exitCode;
    }
    if (io.env.CNNKIT_DEBUG) io.err(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    // The library's typed errors carry complete messages; anything else is unexpected, so name it.
    const expected = e instanceof ValueError || e instanceof DataError || e instanceof ShapeError || e instanceof StateError;
    const name = !expected && e instanceof Error && e.name !== 'Error' ? `${e.name}: ` : '';
    io.err(`cnnkit: ${name}${oneLine(e)}\n`);
    return 1;
  }
}
