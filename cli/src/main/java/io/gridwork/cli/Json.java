package io.gridwork.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import java.math.BigInteger;
import java.util.Map;

/**
 * JSON output for scripts: the proto3 JSON mapping of the protocol's messages (field names as in the
 * {@code .proto} files, every field present), except that 64-bit integers are JSON numbers rather than strings.
 */
public final class Json {

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .alwaysPrintFieldsWithNoPresence()
            .preservingProtoFieldNames();
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();

    private Json() {}

    /** Pretty-printed, for one result. */
    public static String print(MessageOrBuilder message) {
        return GSON.toJson(tree(message));
    }

    /** On one line, for streams of results (JSON Lines). */
    public static String line(MessageOrBuilder message) {
        return COMPACT.toJson(tree(message));
    }

    private static JsonElement tree(MessageOrBuilder message) {
        try {
            JsonElement tree = JsonParser.parseString(PRINTER.print(message));
            numbers(message, tree.getAsJsonObject());
            return tree;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** Turns the int64 fields of {@code message}, printed as strings in {@code json}, into numbers. */
    private static void numbers(MessageOrBuilder message, JsonObject json) {
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            JsonElement value = json.get(field.getName());
            if (value == null || value.isJsonNull()) {
                continue;
            }
            if (field.isMapField()) {
                FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
                if (is64Bit(valueField) && value.isJsonObject()) {
                    for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
                        e.setValue(number(e.getValue()));
                    }
                }
                continue;
            }
            if (field.isRepeated()) {
                JsonArray array = value.getAsJsonArray();
                for (int i = 0; i < array.size(); i++) {
                    if (is64Bit(field)) {
                        array.set(i, number(array.get(i)));
                    } else if (isPlainMessage(field)) {
                        numbers((MessageOrBuilder) message.getRepeatedField(field, i), array.get(i).getAsJsonObject());
                    }
                }
            } else if (is64Bit(field)) {
                json.add(field.getName(), number(value));
            } else if (isPlainMessage(field) && value.isJsonObject()) {
                numbers((MessageOrBuilder) message.getField(field), value.getAsJsonObject());
            }
        }
    }

    private static boolean is64Bit(FieldDescriptor field) {
        switch (field.getType()) {
            case INT64: case UINT64: case SINT64: case FIXED64: case SFIXED64:
                return true;
            default:
                return false;
        }
    }

    private static boolean isPlainMessage(FieldDescriptor field) {
        return field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                && !field.getMessageType().getFullName().equals(Timestamp.getDescriptor().getFullName());
    }

    private static JsonElement number(JsonElement value) {
        if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isString()) {
            return new JsonPrimitive(new BigInteger(value.getAsString()));
        }
        return value;
    }
}
