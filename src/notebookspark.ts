/**
 * This server's notebooks' Livy sessions, as the Running sidebar and the status bar show them.
 * Pure: it reads the panel's endpoint views, so all three agree on names and starvation.
 */
import { IEndpointView, IHolderRow } from './viewmodel';

/** States in which a Livy session waits to start (as the server's fairshare.WAITING_STATES). */
const STARTING_STATES = new Set(['not_started', 'starting', 'recovering']);

export interface INotebookSession {
  /** The Livy endpoint URL. */
  endpoint: string;
  row: IHolderRow & { notebook: string };
  /** The cluster's executors, when known. */
  clusterExecutors: number | null;
  /** It starves others (the starvation holder), or it waits for executors or to start. */
  warn: 'holder' | 'waiting' | null;
}

export function notebookSessions(
  endpoints: IEndpointView[]
): INotebookSession[] {
  const result: INotebookSession[] = [];
  for (const view of endpoints) {
    const url = view.endpoint.url;
    if (!url || view.old) {
      continue; // last-good rows may name sessions that are gone
    }
    for (const row of view.rows) {
      if (row.notebook !== null) {
        result.push({
          endpoint: url,
          row: row as IHolderRow & { notebook: string },
          clusterExecutors: view.clusterExecutors,
          warn: warning(row, view.clusterExecutors)
        });
      }
    }
  }
  return result;
}

function warning(
  row: IHolderRow,
  clusterExecutors: number | null
): 'holder' | 'waiting' | null {
  if (row.starving) {
    return row.starving;
  }
  // A session holding the whole cluster may still ask YARN for more: nobody keeps it waiting.
  const holdsAll =
    clusterExecutors !== null && (row.executors ?? 0) >= clusterExecutors;
  return ((row.waiting ?? 0) > 0 && !holdsAll) ||
    STARTING_STATES.has(row.session.state)
    ? 'waiting'
    : null;
}

/** The Livy session of the notebook whose kernel this is, or null. */
export function sessionOfKernel(
  endpoints: IEndpointView[],
  kernelId: string | null
): INotebookSession | null {
  if (!kernelId) {
    return null;
  }
  return (
    notebookSessions(endpoints).find(
      s => s.row.session.notebook?.kernelId === kernelId
    ) ?? null
  );
}

/** "Spark 6/9", or "Spark 6" when the cluster's size is not known. */
export function statusText(session: INotebookSession): string {
  const held = session.row.executors ?? '?';
  return session.clusterExecutors === null
    ? `Spark ${held}`
    : `Spark ${held}/${session.clusterExecutors}`;
}
