/**
 * Without Google credentials, google-auth-library probes the GCE metadata server and, when that
 * fails, emits a `MetadataLookupWarning` that Node prints to the terminal, above the CLI's own
 * line saying what to do (no Application Default Credentials: how to get them). The CLI drops
 * that warning alone; every other warning is printed as Node prints it.
 */
export function dropMetadataLookupWarnings(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const [options] = rest;
    const type =
      typeof options === 'string'
        ? options
        : ((options as { type?: unknown } | undefined)?.type ??
          (warning instanceof Error ? warning.name : undefined));
    if (type === 'MetadataLookupWarning') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}
