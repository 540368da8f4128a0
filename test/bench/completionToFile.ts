import { oursInTurn, ssePerGenerationInTurn, startSeparateEmulator } from './support/inTurn';
import type { Figure, Measurement, MeasurementReport } from './support/results';
import { summarize } from './support/stats';

const MIB = 1024 * 1024;
const SIZES = [
  { key: 'toFile.1MB', label: '1 MB', bytes: MIB, samples: 20 },
  { key: 'toFile.10MB', label: '10 MB', bytes: 10 * MIB, samples: 10 },
];

/**
 * 3. Completion to file: from the emulator marking a generation succeeded to our terminal 'saved'
 * event, the moment the link edit can be made: the image was streamed to a temp file, sniffed,
 * given its metadata, fsynced and hard-linked to its final name. Nothing is excluded. (B) is
 * shown for scale: its "download" is a bare pipeline to a file, no sniffing, fsync or placement.
 */
export const completionToFile: Measurement = {
  id: 'toFile',
  title: 'Completion to file (success → image in place, saved event)',
  async run(): Promise<MeasurementReport> {
    const emulator = await startSeparateEmulator();
    const figures: Figure[] = [];
    const details: Record<string, unknown> = {};
    try {
      for (const size of SIZES) {
        await emulator.admin.faults({ imagePadBytes: size.bytes });
        const ours = (await oursInTurn(emulator, size.samples, 60_000)).saved;
        const ssePerGeneration = (await ssePerGenerationInTurn(emulator, size.samples, 60_000)).saved;
        figures.push({
          key: size.key,
          label: `success → file, ${size.label} image, ours over SSE`,
          unit: 'ms',
          ours: summarize(ours),
          ssePerGeneration: summarize(ssePerGeneration),
        });
        details[size.key] = { ours, ssePerGeneration };
      }
    } finally {
      await emulator.stop();
    }
    return {
      id: this.id,
      title: this.title,
      figures,
      notes: [
        'Emulator in its own process (as a server would be), images padded with the imagePadBytes fault; one generation at a time, after warm-up; the clock starts when the emulator wrote the SSE event.',
        'The 9 KB row comes from the completion-notice run. (A) is poll-bound (see the notice figures) and is not repeated here.',
      ],
      details,
    };
  },
};
