/** `ck.serialization` (tfjs `tf.serialization`): register custom classes so saved models holding them load. */
export { registerClass, getRegisteredClass, registeredClassNames, Serializable } from './serialization.js';
export type { ConfigDict, ConfigValue, SerializableConstructor } from './serialization.js';
