/**
 * Durable jobs for every asynchronous piece of work: leased, retried with backoff, deferrable,
 * singleton per key, scheduled by cron, visible. See `src/jobs/README.md`.
 *
 *     import { createJobQueue, migrateJobs } from '../jobs';
 *     await migrateJobs(sql);
 *     const queue = createJobQueue<{ 'billing.cycle': { practiceId: string; tickAt: string } }>({ sql });
 *     queue.define('billing.cycle', async ({ job }) => { await runCycle(job.payload); return 'done'; });
 *     await queue.schedule('billing:smile-dental', {
 *       kind: 'billing.cycle', cron: '0 2 1 * *', timezone: 'America/New_York',
 *       payload: { practiceId: 'smile-dental' },
 *     });
 *     await queue.start();
 */
export * from './types';
export { createJobQueue, errorText, JobLeaseLostError, JobTimeoutError, type JobQueueOptions } from './queue';
export { migrateJobs, JOB_MIGRATIONS, JOB_MIGRATION_LOCK_KEY, type JobMigration } from './migrations';
export { DEFAULT_BACKOFF, retryDelayMs } from './backoff';
