import {
  chartGeometry,
  chartModel,
  csvField,
  csvFileName,
  layerAt,
  OTHERS_KEY,
  sampleAt,
  samplesCsv,
  totalsCsv,
  shownName
} from '../history';
import { IHistoryHolder, IHistoryReport } from '../types';

function holder(
  label: string,
  executors: number[],
  extra: Partial<IHistoryHolder> = {}
): IHistoryHolder {
  return {
    label,
    type: 'session',
    name: null,
    notebook: label.endsWith('.ipynb') ? label : null,
    owner: null,
    executors,
    waiting: executors.map(() => 0),
    starting: [],
    executorHours: executors.reduce((a, b) => a + b, 0) / 60,
    gibHours: 0,
    memoryUnknown: false,
    ...extra
  };
}

/** Three samples a minute apart in a 10-minute window ending at 12:10. */
function report(holders: Record<string, IHistoryHolder>): IHistoryReport {
  return {
    endpoint: 'http://livy:8998',
    window: {
      from: '2026-11-24T12:00:00+00:00',
      to: '2026-11-24T12:10:00+00:00',
      minutes: 10
    },
    maxGapSeconds: 120,
    minIntervalSeconds: 5,
    samples: {
      at: [
        '2026-11-24T11:59:00+00:00', // starts before the window: clipped to 12:00
        '2026-11-24T12:01:00+00:00',
        '2026-11-24T12:09:00+00:00'
      ],
      seconds: [60, 120, 60],
      clusterExecutors: [6, 6, null]
    },
    holders,
    totals: [
      {
        key: 'notebook:etl.ipynb',
        label: 'etl.ipynb',
        notebook: 'etl.ipynb',
        owner: null,
        holders: ['session-0'],
        executorHours: 0.1,
        gibHours: 0.05,
        memoryUnknown: false
      },
      {
        key: 'owner:=cmd',
        label: '=cmd|" /C calc"!A0',
        notebook: null,
        owner: '=cmd',
        holders: ['batch-1'],
        executorHours: 0.02,
        gibHours: 0,
        memoryUnknown: true
      }
    ]
  };
}

const T = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00+00:00`);

describe('chartModel', () => {
  it('clips spans to the window, stacks the largest holder first and sums waiting', () => {
    const model = chartModel(
      report({
        'batch-1': holder('nightly (bob)', [0, 1, 0], { waiting: [0, 2, 0] }),
        'session-0': holder('etl.ipynb', [2, 4, 0], { starting: [2] })
      }),
      'Others'
    );
    expect(model.spans).toEqual([
      { start: T('12:00'), end: T('12:01') },
      { start: T('12:01'), end: T('12:03') },
      { start: T('12:09'), end: T('12:10') }
    ]);
    expect(model.layers.map(l => l.key)).toEqual(['session-0', 'batch-1']);
    expect(model.held).toEqual([2, 5, 0]);
    expect(model.waiting).toEqual([0, 2, 0]);
    expect(model.starting).toEqual([0, 0, 1]);
    expect(model.max).toBe(7); // 5 held + 2 waiting is more than the capacity of 6
  });

  it('puts holders beyond the layer count into one "others" layer', () => {
    const holders: Record<string, IHistoryHolder> = {};
    for (let i = 0; i < 5; i++) {
      holders[`session-${i}`] = holder(`nb-${i}.ipynb`, [i + 1, i + 1, 0]);
    }
    holders['session-9'] = holder('idle.ipynb', [0, 0, 0]); // held nothing: no layer
    const model = chartModel(report(holders), 'Others', 3);
    expect(model.layers.map(l => l.key)).toEqual([
      'session-4',
      'session-3',
      'session-2',
      OTHERS_KEY
    ]);
    expect(model.layers[3]).toMatchObject({
      label: 'Others',
      colour: 'other',
      values: [3, 3, 0] // 1 + 2
    });
  });
});

describe('chartGeometry and hover', () => {
  const model = chartModel(
    report({
      'session-0': holder('etl.ipynb', [2, 4, 0]),
      'batch-1': holder('nightly (bob)', [0, 1, 0], { waiting: [0, 1, 0] })
    }),
    'Others'
  );
  const geometry = chartGeometry(model);

  it('draws one rectangle per sample a layer holds something in, and the capacity as steps', () => {
    expect(geometry.layers[0].d.match(/M/g)).toHaveLength(2);
    expect(geometry.layers[1].d.match(/M/g)).toHaveLength(1);
    expect(geometry.capacity.match(/M/g)).toHaveLength(2); // unknown in the last sample
    expect(geometry.waiting).not.toBe('');
    expect(geometry.x(model.from)).toBe(26);
    expect(geometry.executors(geometry.y(3))).toBeCloseTo(3);
  });

  it('finds the sample and the holder under the pointer, none in a gap', () => {
    const i = sampleAt(model, T('12:02'));
    expect(i).toBe(1);
    expect(layerAt(model, i, 3.5)?.label).toBe('etl.ipynb');
    expect(layerAt(model, i, 4.5)?.label).toBe('nightly (bob)');
    expect(layerAt(model, i, 5.5)).toBeNull(); // the waiting band
    expect(sampleAt(model, T('12:05'))).toBe(-1); // no sample: nobody polled
  });

  it('builds 500 holders over an hour of 5 s samples quickly', () => {
    const count = 746;
    const holders: Record<string, IHistoryHolder> = {};
    for (let h = 0; h < 500; h++) {
      holders[`session-${h}`] = holder(
        `nb-${h}.ipynb`,
        Array.from({ length: count }, (_, i) => (h + i) % 4)
      );
    }
    const big: IHistoryReport = {
      ...report(holders),
      window: {
        from: '2026-11-24T11:00:00+00:00',
        to: '2026-11-24T12:00:00+00:00',
        minutes: 60
      },
      samples: {
        at: Array.from({ length: count }, (_, i) =>
          new Date(T('11:00') - 120000 + i * 5000).toISOString()
        ),
        seconds: Array.from({ length: count }, () => 5),
        clusterExecutors: Array.from({ length: count }, () => 900)
      }
    };
    const started = performance.now();
    const geometry = chartGeometry(chartModel(big, 'Others'));
    const elapsed = performance.now() - started;
    console.log(
      `chart model + geometry, 500 holders × ${count} samples: ${elapsed.toFixed(0)} ms`
    );
    expect(geometry.layers).toHaveLength(9);
    expect(elapsed).toBeLessThan(2000);
  });
});

describe('CSV', () => {
  const data = report({
    'session-0': holder('etl.ipynb', [2, 4, 0], { waiting: [0, 0, 1] }),
    'batch-1': holder('a,"b"', [0, 0, 0])
  });

  it('lists each sample and holder that held or waited, with the capacity then', () => {
    const lines = samplesCsv(data).trim().split('\r\n');
    expect(lines[0]).toBe(
      'at,seconds,clusterExecutors,holder,label,notebook,owner,executors,waitingExecutors'
    );
    expect(lines.slice(1)).toEqual([
      '2026-11-24T11:59:00+00:00,60,6,session-0,etl.ipynb,etl.ipynb,,2,0',
      '2026-11-24T12:01:00+00:00,120,6,session-0,etl.ipynb,etl.ipynb,,4,0',
      '2026-11-24T12:09:00+00:00,60,,session-0,etl.ipynb,etl.ipynb,,0,1'
    ]);
  });

  it('quotes and defuses what a spreadsheet would misread', () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=cmd|" /C calc"!A0')).toBe('"\'=cmd|"" /C calc""!A0"');
    expect(csvField(-3)).toBe('-3'); // numbers are numbers
    expect(csvField(null)).toBe('');
    const totals = totalsCsv(data).trim().split('\r\n');
    expect(totals[1]).toBe(
      '2026-11-24T12:00:00+00:00,2026-11-24T12:10:00+00:00,etl.ipynb,etl.ipynb,,0.1,0.05,false'
    );
    expect(totals[2]).toContain("'=cmd");
  });

  it('names the file after the endpoint and the time', () => {
    expect(csvFileName('history', 'http://127.0.0.1:8998', data)).toBe(
      'livy-capacity-history-127.0.0.1-8998-2026-11-24T1210.csv'
    );
  });
});

describe('shownName', () => {
  it('shows a notebook by its file name and others by their label', () => {
    expect(
      shownName({
        label: 'team/etl/daily.ipynb',
        notebook: 'team/etl/daily.ipynb'
      })
    ).toBe('daily.ipynb');
    expect(shownName({ label: 'nightly (bob)', notebook: null })).toBe(
      'nightly (bob)'
    );
  });
});
