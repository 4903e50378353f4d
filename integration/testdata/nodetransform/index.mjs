// A Firehose transform as users write them for AWS (ES module, async).
export const handler = async (event, context) => {
  const records = event.records.map((r) => {
    const data = Buffer.from(r.data, 'base64').toString('utf8');
    let result = 'Ok';
    if (data.startsWith('drop')) result = 'Dropped';
    else if (data.startsWith('fail')) result = 'ProcessingFailed';
    return { recordId: r.recordId, result, data: Buffer.from(data.toUpperCase()).toString('base64') };
  });
  console.log(`transformed ${records.length} records in ${context.functionName}`);
  return { records };
};
