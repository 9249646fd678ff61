import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Reads JSON lines and answers each with a JSON line, in order:
 *
 * <ul>
 *   <li>{"schema": schema} -> {"valid": bool, "error": msg};
 *   <li>{"reader": schema, "writer": schema} -> {"compatible": bool, "types": [...]}, or
 *       {"error": msg} when Java throws, or {"invalid": "reader"|"writer", "error": msg};
 *   <li>{"mode": MODE, "new": text, "previous": [text, ...]} (schemas as JSON text, oldest
 *       first) -> {"compatible": bool, "incompatible": [i, ...], "unreadable": [i, ...],
 *       "invalid_new": bool, "unchanged": bool}: Schema Registry's rules for MODE. BACKWARD: the
 *       new schema reads the latest; FORWARD: the latest reads the new; FULL: both; *_TRANSITIVE:
 *       the same against every earlier version; NONE: nothing. A new schema equal (as JSON) to
 *       the latest changes nothing. A compared version that Java cannot parse counts as
 *       incompatible (it is listed in both lists), as does a pair on which Java throws.
 * </ul>
 *
 * Any exception is caught: the harness answers every line.
 */
public class CompatReference {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      ObjectNode answer = MAPPER.createObjectNode();
      try {
        JsonNode request = MAPPER.readTree(line);
        if (request.has("schema")) {
          validity(request.get("schema").toString(), answer);
        } else if (request.has("mode")) {
          history(request, answer);
        } else {
          pair(request, answer);
        }
      } catch (Exception e) {
        answer.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
      }
      out.println(answer.toString());
    }
  }

  private static void validity(String text, ObjectNode answer) {
    try {
      new Schema.Parser().parse(text);
      answer.put("valid", true);
    } catch (Exception e) {
      answer.put("valid", false);
      answer.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static Schema parseOrNull(String text) {
    try {
      return new Schema.Parser().parse(text);
    } catch (Exception e) {
      return null;
    }
  }

  private static void pair(JsonNode request, ObjectNode answer) {
    Schema reader = parseOrNull(request.get("reader").toString());
    Schema writer = parseOrNull(request.get("writer").toString());
    if (reader == null || writer == null) {
      answer.put("invalid", reader == null ? "reader" : "writer");
      return;
    }
    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    answer.put(
        "compatible",
        result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
    ArrayNode types = answer.putArray("types");
    for (SchemaCompatibility.Incompatibility item : result.getResult().getIncompatibilities()) {
      types.add(item.getType().name());
    }
  }

  /** Whether `reader` reads data written with `writer`; a pair Java throws on does not. */
  private static boolean reads(Schema reader, Schema writer) {
    try {
      return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
          == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean sameJson(String a, String b) {
    try {
      return MAPPER.readTree(a).equals(MAPPER.readTree(b));
    } catch (Exception e) {
      return false;
    }
  }

  private static void history(JsonNode request, ObjectNode answer) {
    String mode = request.get("mode").asText();
    String newText = request.get("new").asText();
    List<String> previous = new ArrayList<>();
    request.get("previous").forEach(node -> previous.add(node.asText()));
    ArrayNode incompatible = answer.putArray("incompatible");
    ArrayNode unreadable = answer.putArray("unreadable");
    Schema schema = parseOrNull(newText);
    answer.put("invalid_new", schema == null);
    boolean unchanged =
        schema != null && !previous.isEmpty() && sameJson(newText, previous.get(previous.size() - 1));
    answer.put("unchanged", unchanged);
    if (schema == null) {
      answer.put("compatible", false);
      return;
    }
    if (unchanged || mode.equals("NONE") || previous.isEmpty()) {
      answer.put("compatible", true);
      return;
    }
    boolean backward = mode.startsWith("BACKWARD") || mode.startsWith("FULL");
    boolean forward = mode.startsWith("FORWARD") || mode.startsWith("FULL");
    int first = mode.endsWith("_TRANSITIVE") ? 0 : previous.size() - 1;
    for (int i = previous.size() - 1; i >= first; i--) {
      Schema old = parseOrNull(previous.get(i));
      if (old == null) {
        unreadable.add(i);
        incompatible.add(i);
        continue;
      }
      boolean ok = (!backward || reads(schema, old)) && (!forward || reads(old, schema));
      if (!ok) {
        incompatible.add(i);
      }
    }
    answer.put("compatible", incompatible.isEmpty());
  }
}
