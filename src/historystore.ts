import { ISignal, Signal } from '@lumino/signaling';

import { CapacityModel, describeServerError } from './model';
import { requestAPI } from './request';
import { IHistoryReport } from './types';

/** The history changes by the minute: one read per this long is plenty, however fast the poll. */
const MIN_REFRESH_MS = 15000;

/**
 * The history reports of the endpoints whose history view is open. No poll of its own: it reads
 * again after the model's poll (model.changed), at most once per MIN_REFRESH_MS per endpoint.
 */
export class HistoryStore {
  constructor(
    private _model: CapacityModel,
    private _fetch: (url: string) => Promise<IHistoryReport> = url =>
      requestAPI<IHistoryReport>('history', { endpoint: url })
  ) {
    _model.changed.connect(this._onModelChanged, this);
  }

  /** Emits the endpoint URL whose report or error changed. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  report(url: string): IHistoryReport | null {
    return this._reports.get(url) ?? null;
  }

  error(url: string): string | null {
    return this._errors.get(url) ?? null;
  }

  /** Keeps the endpoint's report fresh until the returned function is called (reference counted). */
  watch(url: string): () => void {
    this._watchers.set(url, (this._watchers.get(url) ?? 0) + 1);
    void this.load(url);
    let watching = true;
    return () => {
      if (watching) {
        watching = false;
        const left = (this._watchers.get(url) ?? 1) - 1;
        if (left > 0) {
          this._watchers.set(url, left);
        } else {
          this._watchers.delete(url);
        }
      }
    };
  }

  /** Reads the report now (one read in flight per endpoint). */
  load(url: string): Promise<void> {
    let pending = this._inflight.get(url);
    if (!pending) {
      this._loadedAt.set(url, Date.now());
      pending = this._fetch(url)
        .then(report => {
          this._reports.set(url, report);
          this._errors.delete(url);
        })
        .catch(error => {
          this._errors.set(url, describeServerError(error));
        })
        .finally(() => {
          this._inflight.delete(url);
          if (!this._isDisposed) {
            this._changed.emit(url);
          }
        });
      this._inflight.set(url, pending);
    }
    return pending;
  }

  dispose(): void {
    if (!this._isDisposed) {
      this._isDisposed = true;
      this._model.changed.disconnect(this._onModelChanged, this);
      Signal.clearData(this);
    }
  }

  private _onModelChanged(): void {
    const now = Date.now();
    for (const url of this._watchers.keys()) {
      if (now - (this._loadedAt.get(url) ?? 0) >= MIN_REFRESH_MS) {
        void this.load(url);
      }
    }
  }

  private _isDisposed = false;
  private _watchers = new Map<string, number>();
  private _reports = new Map<string, IHistoryReport>();
  private _errors = new Map<string, string>();
  private _loadedAt = new Map<string, number>();
  private _inflight = new Map<string, Promise<void>>();
  private _changed = new Signal<this, string>(this);
}
