// moto's server mode (tools/moto/moto.sh: moto[server] from PyPI in a cached virtualenv), the AWS emulator
// the EKS source's tests run against. Without Python the start throws with moto.sh's explanation: the tests
// must not silently skip. This is test code: reading process.env here is intended.
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { startTool } from './tool-process.js';

/** The fake credentials and region every client of the emulator uses. */
export const motoEnv = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' } as const;

export interface Moto {
  endpoint: string;
  /** a CloudWatch Logs client of the emulator (the cluster's side: it writes the log group) */
  logs: CloudWatchLogsClient;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  // the first run installs moto (a minute or so); later ones start it in a few seconds
  const tool = await startTool('moto', { watchVariable: 'MOTO_WATCH_PID', needs: 'it needs Python >= 3.9 with venv and access to PyPI' });
  const endpoint = tool.values.MOTO_ENDPOINT ?? '';
  const logs = new CloudWatchLogsClient({ endpoint, region: motoEnv.AWS_REGION, credentials: { accessKeyId: motoEnv.AWS_ACCESS_KEY_ID, secretAccessKey: motoEnv.AWS_SECRET_ACCESS_KEY } });
  return {
    endpoint,
    logs,
    async stop() {
      logs.destroy();
      await tool.stop();
    },
  };
}

/** Creates the log group and its streams (as EKS does when the cluster’s audit log type is on). */
export async function createLogGroup(moto: Moto, group: string, streams: string[]): Promise<void> {
  await moto.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams) await moto.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

/** Writes `messages` to a stream, `timestamp` each (chronological, as PutLogEvents wants), in batches. */
export async function putLogEvents(moto: Moto, group: string, stream: string, events: { timestamp: number; message: string }[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    await moto.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events.slice(i, i + 1000) }));
  }
}
