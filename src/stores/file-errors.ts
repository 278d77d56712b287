import { StoreError } from './store';

/** A filesystem failure as a StoreError naming the path and what to check; never file contents. */
export function fsStoreError(err: unknown, action: string, path: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new StoreError(
        'access_denied',
        `file: cannot ${action} ${path} (${code}): the proxy's user needs read and write access to it and its directory`,
        { cause: err },
      );
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ENAMETOOLONG':
    case 'ELOOP':
      return new StoreError('invalid', `file: cannot ${action} ${path} (${code}): check SECRET_FILE`, {
        cause: err,
      });
    default:
      return new StoreError('unavailable', `file: cannot ${action} ${path} (${code})`, { cause: err });
  }
}
