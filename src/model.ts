import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import {
  CapacityResult,
  capacityFromDetails,
  IEndpointDetails
} from './capacity';
import { requestAPI } from './request';
import {
  ICapPreview,
  IEndpoint,
  IEndpointsDocument,
  ILivySession,
  ISessionsSnapshot
} from './types';

/** Settings of schema/plugin.json, with defaults applied. */
export interface ICapacitySettings {
  endpoints: Record<string, IEndpointDetails>;
  refreshInterval: number;
  expectedConcurrentSessions: number;
  idleThresholdMinutes: number;
}

const DEFAULT_SETTINGS: ICapacitySettings = {
  endpoints: {},
  refreshInterval: 10,
  expectedConcurrentSessions: 0,
  idleThresholdMinutes: 15
};

/**
 * Everything the panel shows, refreshed by one Poll: the SparkMagic endpoints and, per valid
 * endpoint, the server's sessions snapshot. Errors never drop data: the last good snapshot stays
 * (the server marks it stale) and the reason is kept beside it.
 */
export class CapacityModel {
  constructor(settings: ISettingRegistry.ISettings | null) {
    this._settings = settings;
    settings?.changed.connect(this._onSettingsChanged, this);
    this._readSettings();
    this._poll = new Poll({
      auto: false,
      factory: () => this._refresh(),
      frequency: {
        interval: this._values.refreshInterval * 1000,
        backoff: true,
        max: 300 * 1000
      },
      // Also while the panel is closed: notifications must reach the user (not while the
      // browser tab is hidden).
      standby: 'when-hidden',
      name: 'livy-capacity:model'
    });
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get settings(): ICapacitySettings {
    return this._values;
  }

  get document(): IEndpointsDocument | null {
    return this._document;
  }

  /** Why the server extension could not be reached, or null. */
  get serverError(): string | null {
    return this._serverError;
  }

  snapshot(url: string): ISessionsSnapshot | null {
    return this._snapshots.get(url) ?? null;
  }

  /** Why the sessions of an endpoint could not be asked for (a 4xx from our server), or null. */
  sessionsError(url: string): string | null {
    return this._sessionsErrors.get(url) ?? null;
  }

  details(url: string): IEndpointDetails | undefined {
    return this._values.endpoints[url];
  }

  capacity(url: string): CapacityResult {
    return capacityFromDetails(this.details(url));
  }

  /** Starts polling; safe to call more than once. */
  start(): void {
    if (!this._started) {
      this._started = true;
      void this._poll.start();
    }
  }

  set visible(value: boolean) {
    if (value && this._started) {
      void this._poll.refresh();
    }
  }

  /**
   * Refreshes now, also while the panel is hidden (the palette check needs fresh data). Errors
   * end up in serverError / sessionsError, where the views show them.
   */
  async refresh(): Promise<void> {
    this.start();
    await this._refresh().catch(() => undefined);
  }

  async kill(endpoint: string, session: ILivySession): Promise<void> {
    await requestAPI(
      'sessions',
      { endpoint, id: String(session.id), type: session.type },
      { method: 'DELETE' }
    );
    await this.refresh();
  }

  previewCap(value: number): Promise<ICapPreview> {
    return requestAPI<ICapPreview>('config/max-executors', {
      value: String(value)
    });
  }

  async applyCap(value: number, sha256: string): Promise<ICapPreview> {
    const result = await requestAPI<ICapPreview>(
      'config/max-executors',
      {},
      { method: 'POST', body: JSON.stringify({ value, sha256 }) }
    );
    await this.refresh();
    return result;
  }

  dispose(): void {
    this._poll.dispose();
    this._settings?.changed.disconnect(this._onSettingsChanged, this);
    Signal.clearData(this);
  }

  private async _refresh(): Promise<void> {
    try {
      this._document = await requestAPI<IEndpointsDocument>('endpoints');
      this._serverError = null;
    } catch (error) {
      this._serverError = describeServerError(error);
      this._changed.emit();
      throw error; // lets the Poll back off
    }
    const live = this._document.endpoints.filter(
      (e): e is IEndpoint & { url: string } => !!e.url && e.errors.length === 0
    );
    await Promise.all(live.map(e => this._refreshSessions(e.url)));
    this._changed.emit();
  }

  private async _refreshSessions(url: string): Promise<void> {
    try {
      // The server reads the cluster URLs, size and starvation share from these settings itself.
      const snapshot = await requestAPI<ISessionsSnapshot>('sessions', {
        endpoint: url
      });
      this._snapshots.set(url, snapshot);
      this._sessionsErrors.delete(url);
    } catch (error) {
      // One broken endpoint never hides the others: keep its last snapshot, say why.
      this._sessionsErrors.set(url, describeServerError(error));
    }
  }

  private _onSettingsChanged(): void {
    this._readSettings();
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: this._values.refreshInterval * 1000
    };
    this._changed.emit();
    if (this._started) {
      void this._poll.refresh();
    }
  }

  private _readSettings(): void {
    const composite = (this._settings?.composite ??
      {}) as Partial<ICapacitySettings>;
    this._values = { ...DEFAULT_SETTINGS, ...composite };
  }

  private _settings: ISettingRegistry.ISettings | null;
  private _values: ICapacitySettings = DEFAULT_SETTINGS;
  private _poll: Poll;
  private _started = false;
  private _document: IEndpointsDocument | null = null;
  private _serverError: string | null = null;
  private _snapshots = new Map<string, ISessionsSnapshot>();
  private _sessionsErrors = new Map<string, string>();
  private _changed = new Signal<this, void>(this);
}

/** What to tell the user when our own server route fails. */
export function describeServerError(error: unknown): string {
  if (error instanceof ServerConnection.ResponseError) {
    if (error.response.status === 404 && !error.message.includes('Endpoint')) {
      return 'The jupyterlab_livy_capacity server extension is not reachable: run `jupyter server extension enable jupyterlab_livy_capacity` and restart JupyterLab.';
    }
    return error.message;
  }
  if (error instanceof ServerConnection.NetworkError) {
    return `The Jupyter server is not reachable: ${error.message}`;
  }
  return String(error);
}
