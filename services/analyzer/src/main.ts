import { loadAnalyzerConfig } from '#shared/config';
import { serviceMain } from '#shared/runtime';
import { runAnalyzer } from './service.js';

serviceMain({
  name: 'kaudit-analyzer',
  load: () => loadAnalyzerConfig(),
  run: async (ctx) => {
    await runAnalyzer(ctx);
    ctx.logger.info('analyzer consuming');
  },
});
