import {
  capacityFromDetails,
  customCapacity,
  glueCapacity,
  workersNeeded
} from '../capacity';

describe('glueCapacity', () => {
  it("holds AWS's worked example: 10 G.1X workers give 9 executors and 90 GiB", () => {
    expect(glueCapacity('G.1X', 10)).toEqual({
      maxExecutors: 9,
      executorMemoryGiB: 10,
      executorCores: 8,
      driverMemoryGiB: 10,
      totalExecutorMemoryGiB: 90,
      totalExecutorCores: 72
    });
  });

  it('counts Standard in DPUs: (DPU - 1) * 2 - 1 executors of 5 GiB and 4 cores', () => {
    const c = glueCapacity('Standard', 5);
    expect([
      c.maxExecutors,
      c.executorMemoryGiB,
      c.executorCores,
      c.driverMemoryGiB
    ]).toEqual([7, 5, 4, 5]);
    expect(glueCapacity('Standard', 2).maxExecutors).toBe(1);
  });

  it('G.2X workers have 20 GiB and 16 cores', () => {
    const c = glueCapacity('G.2X', 4);
    expect([
      c.maxExecutors,
      c.totalExecutorMemoryGiB,
      c.totalExecutorCores,
      c.driverMemoryGiB
    ]).toEqual([3, 60, 48, 20]);
  });

  it('names the field and the accepted values when the type is unknown', () => {
    expect(() => glueCapacity('G.4X', 10)).toThrow(
      /workerType "G.4X".*Standard, G.1X, G.2X/
    );
    expect(() => glueCapacity('toString', 10)).toThrow(/workerType/);
  });

  it.each([1, 0, -3, 2.5, NaN])(
    'rejects a count of %p, naming the minimum',
    count => {
      expect(() => glueCapacity('G.1X', count)).toThrow(
        /numberOfWorkers .*at least 2/
      );
    }
  );
});

describe('customCapacity', () => {
  it('multiplies out a hand-sized cluster', () => {
    expect(
      customCapacity({
        executors: 6,
        executorMemoryGiB: 0.5,
        executorCores: 1,
        driverMemoryGiB: 0.5
      })
    ).toEqual({
      maxExecutors: 6,
      executorMemoryGiB: 0.5,
      executorCores: 1,
      driverMemoryGiB: 0.5,
      totalExecutorMemoryGiB: 3,
      totalExecutorCores: 6
    });
  });

  it.each([
    [
      {
        executors: 0,
        executorMemoryGiB: 1,
        executorCores: 1,
        driverMemoryGiB: 1
      },
      /custom.executors/
    ],
    [
      {
        executors: 2,
        executorMemoryGiB: 0,
        executorCores: 1,
        driverMemoryGiB: 1
      },
      /custom.executorMemoryGiB/
    ],
    [
      {
        executors: 2,
        executorMemoryGiB: 1,
        executorCores: 1.5,
        driverMemoryGiB: 1
      },
      /custom.executorCores/
    ],
    [
      {
        executors: 2,
        executorMemoryGiB: 1,
        executorCores: 1,
        driverMemoryGiB: -1
      },
      /custom.driverMemoryGiB/
    ]
  ])('rejects %p', (cluster, field) => {
    expect(() => customCapacity(cluster)).toThrow(field);
  });
});

describe('capacityFromDetails', () => {
  it('reports missing details', () => {
    expect(capacityFromDetails(undefined)).toEqual({ kind: 'missing' });
    expect(capacityFromDetails({})).toEqual({ kind: 'missing' });
  });

  it('computes Glue and custom capacity', () => {
    const glue = capacityFromDetails({
      clusterKind: 'glue',
      workerType: 'G.1X',
      numberOfWorkers: 10
    });
    expect(glue.kind === 'capacity' && glue.capacity.maxExecutors).toBe(9);
    const custom = capacityFromDetails({
      clusterKind: 'custom',
      custom: {
        executors: 4,
        executorMemoryGiB: 2,
        executorCores: 2,
        driverMemoryGiB: 2
      }
    });
    expect(
      custom.kind === 'capacity' && custom.capacity.totalExecutorMemoryGiB
    ).toBe(8);
  });

  it('turns bad values into problems for the panel', () => {
    const bad = capacityFromDetails({
      clusterKind: 'glue',
      workerType: 'G.9X',
      numberOfWorkers: 10
    });
    expect(bad).toEqual({
      kind: 'invalid',
      problems: [
        { field: 'workerType', message: expect.stringContaining('G.9X') }
      ]
    });
    const zero = capacityFromDetails({
      clusterKind: 'glue',
      workerType: 'G.1X',
      numberOfWorkers: 0
    });
    expect(zero.kind === 'invalid' && zero.problems[0].field).toBe(
      'numberOfWorkers'
    );
    const kind = capacityFromDetails({ clusterKind: 'emr' });
    expect(kind.kind === 'invalid' && kind.problems[0].message).toMatch(
      /clusterKind/
    );
    const url = capacityFromDetails({
      clusterKind: 'glue',
      workerType: 'G.1X',
      numberOfWorkers: 3,
      sparkMasterUrl: 'master:8080'
    });
    expect(url.kind === 'invalid' && url.problems[0].field).toBe(
      'sparkMasterUrl'
    );
  });
});

describe('workersNeeded', () => {
  it("matches AWS's sizing matrix for G types", () => {
    expect(workersNeeded('G.1X', 3, 5)).toBe(18);
    expect(workersNeeded('G.2X', 10, 5)).toBe(60);
    expect(workersNeeded('G.1X', 50, 5)).toBe(300);
  });
  it('gives Standard enough DPUs for the same executor slots', () => {
    const dpus = workersNeeded('Standard', 3, 5);
    expect((dpus - 1) * 2 - 1).toBeGreaterThanOrEqual(3 * 6 - 1);
    expect((dpus - 2) * 2 - 1).toBeLessThan(3 * 6 - 1);
  });
  it('rejects bad input by name', () => {
    expect(() => workersNeeded('G.9X', 1, 1)).toThrow(
      /workerType.*Standard, G.1X, G.2X/
    );
    expect(() => workersNeeded('G.1X', 0, 1)).toThrow(/users/);
    expect(() => workersNeeded('G.1X', 1, 1.5)).toThrow(/executorsPerUser/);
  });
});
