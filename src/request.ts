import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The server extension's routes live under this path of the Jupyter server. */
export const API_NAMESPACE = 'livy-capacity';

/**
 * The one place the frontend talks to the server extension. Failures become
 * ServerConnection.NetworkError (server unreachable) or ResponseError (with the server's
 * `message`), which the model turns into what the panel shows.
 */
export async function requestAPI<T>(
  path: string,
  query: Record<string, string | undefined> = {},
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value) {
      search.set(key, value);
    }
  }
  const qs = search.toString();
  const url =
    URLExt.join(settings.baseUrl, API_NAMESPACE, path) + (qs ? `?${qs}` : '');
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = text;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    // keep the text: an HTML error page from a proxy, for example
  }
  if (!response.ok) {
    throw new ServerConnection.ResponseError(response, data?.message ?? text);
  }
  return data as T;
}
