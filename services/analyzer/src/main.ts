import { loadAnalyzerConfig } from '#shared/config';
import { serviceMain } from '#shared/runtime';
import { createMetricsRegistry } from '#shared/metrics';
import { runAnalyzer, serveAnalyzerHealth } from './service.js';

serviceMain({
  name: 'kaudit-analyzer',
  load: () => loadAnalyzerConfig(),
  run: async (ctx) => {
    const registry = createMetricsRegistry('analyzer');
    const analyzer = await runAnalyzer({ ...ctx, registry });
    await serveAnalyzerHealth({ ...ctx, registry, analyzer });
    ctx.logger.info({ port: ctx.config.port }, 'analyzer consuming; health and metrics served');
  },
});
