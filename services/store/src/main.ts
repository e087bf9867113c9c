import { loadStoreConfig } from '#shared/config';
import { serviceMain } from '#shared/runtime';
import { runStore } from './service.js';

serviceMain({
  name: 'kaudit-store',
  load: () => loadStoreConfig(),
  run: async (ctx) => {
    const app = await runStore(ctx);
    ctx.logger.info({ addresses: app.addresses(), db: ctx.config.dbFile }, 'store listening');
  },
});
