import { parseStageList, stageSelectionProblem, stagesOf, stagesOverlap } from './stage-selection';

describe('stage selection', () => {
  it.each([[['ingest']], [['ingest', 'transform']], [['ingest', 'transform', 'export']], [['transform']], [['transform', 'export']]])(
    'accepts %j',
    (stages) => expect(stageSelectionProblem(stages)).toBeUndefined(),
  );

  it.each([
    [[], /at least one stage/],
    [['ingest', 'export'], /without a gap/],
    [['transform', 'ingest'], /chain order/],
    [['export'], /export cannot run alone/],
    [['ingest', 'ingest'], /listed twice/],
    [['load'], /unknown stage "load"/],
  ])('refuses %j with a reason', (stages, reason) => expect(stageSelectionProblem(stages)).toMatch(reason));

  it('reads a comma-separated list from the command line, naming the option when it is wrong', () => {
    expect(parseStageList('transform, export')).toEqual(['transform', 'export']);
    expect(() => parseStageList('export')).toThrow('--stages export: export cannot run alone');
  });

  it('treats a request or event without stages as covering all three', () => {
    expect(stagesOf({})).toEqual(['ingest', 'transform', 'export']);
    expect(stagesOf({ stages: ['ingest'] })).toEqual(['ingest']);
  });

  it('makes runs compete only when they share a stage', () => {
    expect(stagesOverlap(['ingest'], ['transform', 'export'])).toBe(false);
    expect(stagesOverlap(['ingest'], undefined)).toBe(true);
    expect(stagesOverlap(['transform'], ['transform', 'export'])).toBe(true);
  });
});
