// Values that test/kafka/global-setup.ts hands to the test files through vitest's provide/inject.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** comma-separated host:port list of the real Kafka broker for this test run */
    kafkaBrokers: string;
  }
}
