// What replay reads: sources of items (files, stdin, the events topic) and the malformed lines they report.
export interface SourceItem {
  item: unknown;
  file: string;
  /** 1-based line of the JSON line, or of the document's start for a document's items */
  line: number;
  /** position inside the line or document when it held several events (EventList, records batch) */
  index: number;
  /** the item's JSON text, when the line was exactly this item (a JSON line holding one event) */
  text?: string;
}

export interface MalformedLine {
  file: string;
  line: number;
  reason: string;
}

/** Where events come from: one input file, stdin, or a topic (replay --from-kafka). */
export interface ReplaySource {
  /** the file name (or `-`, or `kafka:<topic>`): malformed lines are reported against it, ties broken by it */
  name: string;
  /** size in bytes for progress, when known */
  size: number | undefined;
  /** when the input was last written (a file's mtime): the time of its events if none of them has one */
  modifiedAt?: string | undefined;
  /**
   * items in the source's order; an item from the events topic carries its envelope's cluster and
   * receivedAt (the time of an event that has no timestamp of its own, as in the live pipeline) and
   * whether ingest received it over TLS
   */
  items(hooks: { onMalformed: (m: MalformedLine) => void; onBytes: (n: number) => void }): AsyncIterable<SourceItem & { cluster?: string; receivedAt?: string; tls?: boolean }>;
}
