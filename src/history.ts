/**
 * Pure logic of the history view: the stacked chart's layers and scales from a history report
 * (GET /livy-capacity/history), and its CSV exports. No DOM here.
 */
import { IHistoryReport } from './types';
import { fileName } from './viewmodel';

/** Holders drawn in a layer of their own (the most executor-hours); the rest share "others". */
export const CHART_LAYERS = 8;
export const OTHERS_KEY = '__others__';

export interface IChartLayer {
  /** A holder key of the report, or OTHERS_KEY. */
  key: string;
  /** The holder's label: a notebook's path, else its name and owner. */
  label: string;
  /** What a sidebar line shows: a notebook's file name, else the label. */
  name: string;
  /** Palette index; 'other' for the shared layer. */
  colour: number | 'other';
  /** Executors held per sample, aligned with IChartModel.spans. */
  values: number[];
}

export interface ISpan {
  /** Epoch ms: where the sample's figures start to count in the window, and stop. */
  start: number;
  end: number;
}

export interface IChartModel {
  from: number;
  to: number;
  spans: ISpan[];
  /** Bottom to top: the largest holder first. */
  layers: IChartLayer[];
  /** Executors held by all holders, per sample. */
  held: number[];
  /** Executors asked for and not granted (YARN's pending requests), per sample. */
  waiting: number[];
  /** Sessions waiting to start, per sample. */
  starting: number[];
  capacity: (number | null)[];
  /** The top of the y scale: the most ever held + waiting, or the capacity, whichever is larger. */
  max: number;
}

export function chartModel(
  report: IHistoryReport,
  othersLabel: string,
  layerCount = CHART_LAYERS
): IChartModel {
  const from = Date.parse(report.window.from);
  const to = Date.parse(report.window.to);
  const spans = report.samples.at.map((at, i) => {
    const start = Math.max(Date.parse(at), from);
    return { start, end: start + report.samples.seconds[i] * 1000 };
  });
  const count = spans.length;
  const keys = Object.keys(report.holders).filter(key =>
    report.holders[key].executors.some(v => v > 0)
  );
  keys.sort(
    (a, b) =>
      report.holders[b].executorHours - report.holders[a].executorHours ||
      a.localeCompare(b)
  );
  const own = keys.slice(0, layerCount);
  const layers: IChartLayer[] = own.map((key, colour) => ({
    key,
    label: report.holders[key].label,
    name: shownName(report.holders[key]),
    colour,
    values: report.holders[key].executors
  }));
  const rest = keys.slice(layerCount);
  if (rest.length) {
    layers.push({
      key: OTHERS_KEY,
      label: othersLabel,
      name: othersLabel,
      colour: 'other',
      values: sumColumns(
        rest.map(key => report.holders[key].executors),
        count
      )
    });
  }
  const all = Object.values(report.holders);
  const held = sumColumns(
    all.map(h => h.executors),
    count
  );
  const waiting = sumColumns(
    all.map(h => h.waiting),
    count
  );
  const starting = new Array<number>(count).fill(0);
  for (const holder of all) {
    for (const index of holder.starting) {
      starting[index] += 1;
    }
  }
  const capacity = report.samples.clusterExecutors;
  const max = Math.max(
    1,
    ...held.map((h, i) => h + waiting[i]),
    ...capacity.map(c => c ?? 0)
  );
  return {
    from,
    to,
    spans,
    layers,
    held,
    waiting,
    starting,
    capacity,
    max
  };
}

function sumColumns(rows: number[][], count: number): number[] {
  const sums = new Array<number>(count).fill(0);
  for (const row of rows) {
    for (let i = 0; i < count; i++) {
      sums[i] += row[i] ?? 0;
    }
  }
  return sums;
}

/** The sample whose span holds the time, or -1 (a gap, or outside the window). */
export function sampleAt(model: IChartModel, time: number): number {
  return model.spans.findIndex(s => s.start <= time && time < s.end);
}

/** A CSV field, quoted when needed; text a spreadsheet would run as a formula is defused. */
export function csvField(value: string | number | null): string {
  if (value === null) {
    return '';
  }
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: (string | number | null)[][]): string {
  return rows.map(row => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** One line per sample and holder that held or waited for executors then. */
export function samplesCsv(report: IHistoryReport): string {
  const rows: (string | number | null)[][] = [
    [
      'at',
      'seconds',
      'clusterExecutors',
      'holder',
      'label',
      'notebook',
      'owner',
      'executors',
      'waitingExecutors'
    ]
  ];
  report.samples.at.forEach((at, i) => {
    for (const [key, holder] of Object.entries(report.holders)) {
      if (holder.executors[i] > 0 || holder.waiting[i] > 0) {
        rows.push([
          at,
          report.samples.seconds[i],
          report.samples.clusterExecutors[i],
          key,
          holder.label,
          holder.notebook,
          holder.owner,
          holder.executors[i],
          holder.waiting[i]
        ]);
      }
    }
  });
  return csv(rows);
}

/** A notebook's file name, else the label (a session's name and owner). */
export function shownName(holder: {
  label: string;
  notebook: string | null;
}): string {
  return holder.notebook ? fileName(holder.notebook) : holder.label;
}

/** Executor-hours and GiB-hours per notebook / owner over the window. */
export function totalsCsv(report: IHistoryReport): string {
  return csv([
    [
      'windowFrom',
      'windowTo',
      'label',
      'notebook',
      'owner',
      'executorHours',
      'gibHours',
      'memoryUnknown'
    ],
    ...report.totals.map(t => [
      report.window.from,
      report.window.to,
      t.label,
      t.notebook,
      t.owner,
      t.executorHours,
      t.gibHours,
      String(t.memoryUnknown)
    ])
  ]);
}

/** "livy-capacity-history-127.0.0.1-8998-2026-11-25T1400.csv" */
export function csvFileName(
  kind: string,
  endpoint: string,
  report: IHistoryReport
): string {
  const host = endpoint.replace(/^[a-z]+:\/\//i, '').replace(/[^\w.-]+/g, '-');
  const at = report.window.to.slice(0, 16).replace(/:/g, '');
  return `livy-capacity-${kind}-${host}-${at}.csv`;
}

/** The chart's drawing area, in SVG user units (the SVG scales to the sidebar's width). */
export const CHART_SIZE = {
  width: 320,
  height: 140,
  left: 26,
  right: 6,
  top: 6,
  bottom: 16
};

export interface IChartGeometry {
  /** SVG path data per layer, bottom to top. */
  layers: { layer: IChartLayer; d: string }[];
  /** Executors asked for and not granted, stacked on top of what is held. */
  waiting: string;
  /** The cluster's capacity: a step line. */
  capacity: string;
  /** x of each sample where sessions waited to start. */
  starting: number[];
  /** Time -> x and x -> time, executors -> y and y -> executors. */
  x(time: number): number;
  time(x: number): number;
  y(executors: number): number;
  executors(y: number): number;
}

const round = (value: number) => Math.round(value * 10) / 10;

export function chartGeometry(
  model: IChartModel,
  size = CHART_SIZE
): IChartGeometry {
  const plotWidth = size.width - size.left - size.right;
  const plotHeight = size.height - size.top - size.bottom;
  const span = Math.max(model.to - model.from, 1);
  const x = (time: number) =>
    size.left + ((time - model.from) / span) * plotWidth;
  const y = (executors: number) =>
    size.top + plotHeight - (executors / model.max) * plotHeight;
  // One rectangle per sample and layer: the figures hold from a sample to the next (a step).
  const box = (i: number, low: number, high: number) =>
    `M${round(x(model.spans[i].start))},${round(y(low))}H${round(
      x(model.spans[i].end)
    )}V${round(y(high))}H${round(x(model.spans[i].start))}Z`;
  const base = new Array<number>(model.spans.length).fill(0);
  const layers = model.layers.map(layer => {
    const parts: string[] = [];
    layer.values.forEach((value, i) => {
      if (value > 0) {
        parts.push(box(i, base[i], base[i] + value));
        base[i] += value;
      }
    });
    return { layer, d: parts.join('') };
  });
  const waiting = model.waiting
    .map((value, i) =>
      value > 0 ? box(i, model.held[i], model.held[i] + value) : ''
    )
    .join('');
  const capacity = model.capacity
    .map((value, i) =>
      value === null
        ? ''
        : `M${round(x(model.spans[i].start))},${round(y(value))}H${round(
            x(model.spans[i].end)
          )}`
    )
    .join('');
  const starting = model.starting
    .map((count, i) => (count > 0 ? round(x(model.spans[i].start)) : -1))
    .filter(value => value >= 0);
  return {
    layers,
    waiting,
    capacity,
    starting,
    x,
    time: px => model.from + ((px - size.left) / plotWidth) * span,
    y,
    executors: py => ((size.top + plotHeight - py) / plotHeight) * model.max
  };
}

/** The layer under an executor count at sample i (stacked bottom-up), or null above them all. */
export function layerAt(
  model: IChartModel,
  i: number,
  executors: number
): IChartLayer | null {
  let top = 0;
  for (const layer of model.layers) {
    top += layer.values[i];
    if (executors < top) {
      return layer;
    }
  }
  return null;
}
