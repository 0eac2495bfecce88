import { TranslationBundle } from '@jupyterlab/translation';
import { downloadIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import {
  CHART_SIZE,
  chartGeometry,
  chartModel,
  csvFileName,
  IChartModel,
  layerAt,
  sampleAt,
  samplesCsv,
  totalsCsv,
  shownName
} from '../history';
import historyCss from '../../style/history.raw.css';
import { addStyle } from '../style';
import { IHistoryReport } from '../types';
import { formatNumber } from '../viewmodel';

addStyle(historyCss);

// Loaded when a History section is first opened, so the chart and its CSS are not in the panel's
// bundle.
export default function HistoryView(props: {
  endpoint: string;
  report: IHistoryReport;
  trans: TranslationBundle;
}): JSX.Element {
  const { report, trans } = props;
  const __ = trans.__.bind(trans);
  const model = React.useMemo(
    () => chartModel(report, __('Other sessions')),
    [report]
  );
  if (!report.samples.at.length) {
    return (
      <p className="jp-LivyCapacity-hint" data-testid="history-empty">
        {__(
          'Nothing recorded yet: the server records what each session holds each time the sessions are refreshed.'
        )}
      </p>
    );
  }
  const download = (kind: string, text: string) => {
    const url = URL.createObjectURL(
      new Blob([text], { type: 'text/csv;charset=utf-8' })
    );
    const link = document.createElement('a');
    link.href = url;
    link.download = csvFileName(kind, props.endpoint, report);
    link.click();
    // After the click has handed the blob to the download.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return (
    <>
      <HistoryChart model={model} trans={trans} />
      <table className="jp-LivyCapacity-totals" data-testid="history-totals">
        <caption>{__('Use over the window, by notebook or owner')}</caption>
        <thead>
          <tr>
            <th scope="col">{__('Notebook / owner')}</th>
            <th scope="col" title={__('Executors held × hours')}>
              {__('Exec-h')}
            </th>
            <th
              scope="col"
              title={__(
                'Memory held (GiB) × hours; from YARN, the application master’s container included'
              )}
            >
              {__('GiB-h')}
            </th>
          </tr>
        </thead>
        <tbody>
          {report.totals.map(t => (
            <tr key={t.key}>
              <td title={t.label}>{shownName(t)}</td>
              <td>{t.executorHours.toFixed(2)}</td>
              <td
                title={
                  t.memoryUnknown
                    ? __('Some of its executors’ memory is not known.')
                    : undefined
                }
              >
                {t.gibHours.toFixed(2)}
                {t.memoryUnknown ? '+' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="jp-LivyCapacity-buttons">
        <button
          className="jp-mod-styled jp-LivyCapacity-small"
          data-testid="export-history"
          title={__('Download what each session held at each sample, as CSV')}
          onClick={() => download('history', samplesCsv(report))}
        >
          <downloadIcon.react
            tag="span"
            className="jp-LivyCapacity-buttonIcon"
          />
          {__('Export CSV')}
        </button>
        <button
          className="jp-mod-styled jp-LivyCapacity-small"
          data-testid="export-totals"
          title={__(
            'Download the executor-hours and GiB-hours per notebook or owner, as CSV'
          )}
          onClick={() => download('totals', totalsCsv(report))}
        >
          {__('Totals CSV')}
        </button>
      </div>
    </>
  );
}

function clock(time: number): string {
  return new Date(time).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit'
  });
}

/** The stacked executors per holder, the waiting demand above them and the capacity as a line. */
export function HistoryChart(props: {
  model: IChartModel;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const __ = trans.__.bind(trans);
  const geometry = React.useMemo(() => chartGeometry(model), [model]);
  const [hover, setHover] = React.useState<{
    sample: number;
    layer: string | null;
  } | null>(null);
  const size = CHART_SIZE;
  const bottom = size.height - size.bottom;
  const onMove = (event: React.MouseEvent<SVGSVGElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * size.width;
    const py = ((event.clientY - box.top) / box.height) * size.height;
    const sample = sampleAt(model, geometry.time(px));
    setHover(
      sample < 0
        ? null
        : {
            sample,
            layer: layerAt(model, sample, geometry.executors(py))?.key ?? null
          }
    );
  };
  const readout = hover ? describeSample(model, hover, trans) : null;
  return (
    <figure className="jp-LivyCapacity-chart" data-testid="history-chart">
      <svg
        viewBox={`0 0 ${size.width} ${size.height}`}
        role="img"
        aria-label={__(
          'Executors held per session over the last %1 minutes',
          formatNumber(Math.round((model.to - model.from) / 60000))
        )}
        onMouseMove={onMove}
        onMouseLeave={() => setHover(null)}
      >
        <line
          className="jp-LivyCapacity-axis"
          x1={size.left}
          x2={size.width - size.right}
          y1={bottom}
          y2={bottom}
        />
        <text
          className="jp-LivyCapacity-tick"
          x={size.left - 3}
          y={size.top + 7}
          textAnchor="end"
        >
          {model.max}
        </text>
        <text
          className="jp-LivyCapacity-tick"
          x={size.left - 3}
          y={bottom}
          textAnchor="end"
        >
          0
        </text>
        <text
          className="jp-LivyCapacity-tick"
          x={size.left}
          y={size.height - 3}
        >
          {clock(model.from)}
        </text>
        <text
          className="jp-LivyCapacity-tick"
          x={size.width - size.right}
          y={size.height - 3}
          textAnchor="end"
        >
          {clock(model.to)}
        </text>
        {geometry.layers.map(({ layer, d }) => (
          <path
            key={layer.key}
            d={d}
            className={`jp-LivyCapacity-series jp-mod-s${layer.colour}${
              hover?.layer === layer.key ? ' jp-mod-hover' : ''
            }`}
            data-holder={layer.key}
          >
            <title>{layer.label}</title>
          </path>
        ))}
        {geometry.waiting && (
          <path className="jp-LivyCapacity-waitingArea" d={geometry.waiting}>
            <title>{__('Executors asked for and not granted')}</title>
          </path>
        )}
        {geometry.capacity && (
          <path className="jp-LivyCapacity-capacityLine" d={geometry.capacity}>
            <title>{__('Cluster capacity (executors)')}</title>
          </path>
        )}
        {geometry.starting.map(px => (
          <rect
            key={px}
            className="jp-LivyCapacity-startingTick"
            x={px}
            y={bottom - 3}
            width={2}
            height={3}
          />
        ))}
        {hover && (
          <line
            className="jp-LivyCapacity-cursor"
            x1={geometry.x(model.spans[hover.sample].start)}
            x2={geometry.x(model.spans[hover.sample].start)}
            y1={size.top}
            y2={bottom}
          />
        )}
      </svg>
      <figcaption className="jp-LivyCapacity-readout" aria-live="polite">
        {readout ??
          __('Hover the chart to see who held the executors at that time.')}
      </figcaption>
      <ul className="jp-LivyCapacity-legend">
        {model.layers.map(layer => (
          <li key={layer.key} title={layer.label}>
            <span
              className={`jp-LivyCapacity-swatch jp-mod-s${layer.colour}`}
            />
            {layer.name}
          </li>
        ))}
        <li>
          <span className="jp-LivyCapacity-swatch jp-mod-waiting" />
          {__('waiting')}
        </li>
        <li>
          <span className="jp-LivyCapacity-swatch jp-mod-capacity" />
          {__('capacity')}
        </li>
      </ul>
    </figure>
  );
}

function describeSample(
  model: IChartModel,
  hover: { sample: number; layer: string | null },
  trans: TranslationBundle
): string {
  const i = hover.sample;
  const layer = model.layers.find(l => l.key === hover.layer);
  const parts = [clock(model.spans[i].start)];
  if (layer) {
    parts.push(
      trans._n(
        '%2: %1 executor',
        '%2: %1 executors',
        layer.values[i],
        layer.name
      )
    );
  }
  const capacity = model.capacity[i];
  parts.push(
    capacity === null
      ? trans.__('%1 held', model.held[i])
      : trans.__('%1 of %2 held', model.held[i], capacity)
  );
  if (model.waiting[i] > 0) {
    parts.push(trans.__('%1 waiting', model.waiting[i]));
  }
  if (model.starting[i] > 0) {
    parts.push(
      trans._n(
        '%1 session waiting to start',
        '%1 sessions waiting to start',
        model.starting[i]
      )
    );
  }
  return parts.join(' · ');
}
