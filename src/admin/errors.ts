/** Admin API errors: an HTTP status and a JSON body `{code, reason}`, never a stack trace. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

export const httpErrors = {
  badRequest: (reason: string) => new HttpError(400, reason),
  unauthorized: () => new HttpError(401, 'Missing bearer token'),
  forbidden: () => new HttpError(403, 'Invalid token'),
  notFound: (what: string) => new HttpError(404, `${what} not found`),
};

export function errorBody(status: number, reason: string): { code: number; reason: string } {
  return { code: status, reason };
}
