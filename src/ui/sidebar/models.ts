import type { ModelInfo } from '../../oxen/client';
import { describeParameters } from '../../oxen/modelParameters';
import type { FieldDescriptor, ModelSummary } from './protocol';

/** The JSON Schema `format` of each property (ParameterDescriptor does not carry it). */
function formatsOf(model: ModelInfo): Record<string, string> {
  const properties = (model.parameterSchema?.properties ?? {}) as Record<string, { format?: unknown }>;
  return Object.fromEntries(
    Object.entries(properties).flatMap(([name, property]) => (typeof property?.format === 'string' ? [[name, property.format]] : [])),
  );
}

/** Image-output models only; each with the descriptors its form is built from. */
export function modelSummaries(models: readonly ModelInfo[]): ModelSummary[] {
  return models
    .filter((model) => model.outputs.includes('image'))
    .map((model) => {
      const formats = formatsOf(model);
      const fields: FieldDescriptor[] = describeParameters(model.id, model.parameterSchema).map((descriptor) => ({
        ...descriptor,
        enumValues: descriptor.enumValues ? [...descriptor.enumValues] : undefined,
        ...(formats[descriptor.name] ? { format: formats[descriptor.name] } : {}),
      }));
      return {
        id: model.id,
        displayName: model.displayName,
        summary: model.summary,
        description: model.description,
        pricePerImage: model.pricePerImage,
        fields,
      };
    });
}
