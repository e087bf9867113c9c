import { loadIngestConfig } from '#shared/config';
import { serviceMain } from '#shared/runtime';
import { runIngest } from './service.js';

serviceMain({
  name: 'kaudit-ingest',
  load: () => loadIngestConfig(),
  run: async (ctx) => {
    const app = await runIngest(ctx);
    ctx.logger.info({ addresses: app.addresses() }, 'ingest listening');
  },
});
