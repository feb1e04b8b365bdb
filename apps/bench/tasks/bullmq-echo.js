// BullMQ's sandboxed processor for the compare section: echo, as the bench's own task.
export default async (job) => job.data;
