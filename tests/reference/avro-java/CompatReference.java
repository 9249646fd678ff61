import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * Reads JSON lines and answers each with a JSON line, in order:
 * {"reader": schema, "writer": schema} -> {"compatible": bool, "types": [...]} or {"error": msg};
 * {"schema": schema} -> {"valid": bool, "error": msg}.
 */
public class CompatReference {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String line;
    while ((line = in.readLine()) != null) {
      JsonNode request = mapper.readTree(line);
      ObjectNode answer = mapper.createObjectNode();
      try {
        if (request.has("schema")) {
          new Schema.Parser().parse(request.get("schema").toString());
          answer.put("valid", true);
        } else {
          Schema reader = new Schema.Parser().parse(request.get("reader").toString());
          Schema writer = new Schema.Parser().parse(request.get("writer").toString());
          SchemaCompatibility.SchemaPairCompatibility result =
              SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
          answer.put("compatible",
              result.getType() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
          ArrayNode types = answer.putArray("types");
          for (SchemaCompatibility.Incompatibility item : result.getResult().getIncompatibilities()) {
            types.add(item.getType().name());
          }
        }
      } catch (AvroRuntimeException e) {
        answer.put("valid", false);
        answer.put("error", String.valueOf(e.getMessage()));
      }
      out.println(answer.toString());
    }
  }
}
